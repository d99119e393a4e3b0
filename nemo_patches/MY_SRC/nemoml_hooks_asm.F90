MODULE nemoml_hooks_asm
   !!======================================================================
   !!                     ***  MODULE nemoml_hooks_asm  ***
   !! nemoml plugin, NEMO side: the analysis increments at asm_inc_init
   !!======================================================================
   !! Written for nemoml (not part of NEMO). Apart from nemoml_hooks because asminc uses it:
   !! it may only use NEMO modules that do not use asminc (nemoml_hooks uses dynspg_ts, which
   !! does), or the build has a circular module dependency.
   !!
   !!   nemoml_hooks_increments : fill the *_bkginc arrays inline        (asm_inc_init)
   !!----------------------------------------------------------------------
   USE oce            ! ocean dynamics and tracers
   USE dom_oce        ! ocean space and time domain
   USE in_out_manager ! I/O manager
   USE lib_mpp        ! MPP library
   USE lbclnk         ! ocean lateral boundary conditions (or mpp link)
   USE nemoml         ! nemoml's Fortran API
   USE nemoml_nam     ! &namnemoml

   IMPLICIT NONE
   PRIVATE

   PUBLIC   nemoml_hooks_increments  ! called by asminc.F90
   PUBLIC   nemoml_asm_fields        ! used by nemoml_asmcycle
   PUBLIC   ln_nemoml_asm            ! used by asminc.F90
   !!----------------------------------------------------------------------
CONTAINS

   SUBROUTINE nemoml_hooks_increments( Kbb, Kmm, pt_inc, ps_inc, pu_inc, pv_inc, pssh_inc,   &
      &                                ld_trainc, ld_dyninc, ld_sshinc )
      !!----------------------------------------------------------------------
      !!                  ***  ROUTINE nemoml_hooks_increments  ***
      !! ** Purpose :   fill the background increments inline (instead of reading
      !!                assim_background_increments.nc); NEMO's IAU/DI then applies them
      !! ** Method  :   with &nam_asminc's switches (patch-nemo passes them), stop on every
      !!                rank if NEMO would drop a nonzero part of the increment
      !!----------------------------------------------------------------------
      INTEGER                             , INTENT(in   ) ::   Kbb, Kmm     ! time level indices
      REAL(wp), DIMENSION(:,:,:), TARGET  , INTENT(inout) ::   pt_inc, ps_inc, pu_inc, pv_inc
      REAL(wp), DIMENSION(:,:)  , TARGET  , INTENT(inout) ::   pssh_inc
      LOGICAL, OPTIONAL                   , INTENT(in   ) ::   ld_trainc, ld_dyninc, ld_sshinc
      INTEGER ::   istat
      !!----------------------------------------------------------------------
      IF( nn_nemoml_cycle > 0 ) THEN     ! cycling: the first window is the free forecast
         pt_inc(:,:,:) = 0._wp   ;   ps_inc(:,:,:) = 0._wp   ;   pu_inc(:,:,:) = 0._wp
         pv_inc(:,:,:) = 0._wp   ;   pssh_inc(:,:) = 0._wp
         IF(lwp) WRITE(numout,*) 'nemoml_hooks_increments : cycling, zero increment before the first window'
         RETURN
      ENDIF
      IF(lwp) WRITE(numout,*) 'nemoml_hooks_increments : 4DVarNet increments (', TRIM(cn_nemoml_da), ')'
      CALL nemoml_increments( nit000 - 1, nemoml_asm_fields( Kmm, pt_inc, ps_inc, pu_inc, pv_inc, pssh_inc ),  &
         &                    istat )
      IF( istat /= 0 )   CALL ctl_stop( 'STOP', 'nemoml_hooks_increments: '//nemoml_error() )
      CALL lbc_lnk( 'nemoml_hooks', pt_inc, 'T', 1._wp, ps_inc, 'T', 1._wp, pu_inc, 'U', -1._wp, pv_inc, 'V', -1._wp )
      CALL lbc_lnk( 'nemoml_hooks', pssh_inc, 'T', 1._wp )
      IF( PRESENT( ld_trainc ) )   CALL hooks_applied( 'T, S', pt_inc, ld_trainc, 'ln_trainc', ps_inc )
      IF( PRESENT( ld_dyninc ) )   CALL hooks_applied( 'U, V', pu_inc, ld_dyninc, 'ln_dyninc', pv_inc )
      IF( PRESENT( ld_sshinc ) )   CALL hooks_applied( 'SSH' , RESHAPE( pssh_inc, [ SIZE(pssh_inc,1),   &
         &                                             SIZE(pssh_inc,2), 1 ] ), ld_sshinc, 'ln_sshinc' )
   END SUBROUTINE nemoml_hooks_increments


   FUNCTION nemoml_asm_fields( Kmm, pt_inc, ps_inc, pu_inc, pv_inc, pssh_inc ) RESULT( sfields )
      !!----------------------------------------------------------------------
      !! ** Purpose :   the fields of an analysis call: the state of time level Kmm in, the
      !!                increment arrays out (zero-copy descriptors, valid while they live)
      !!----------------------------------------------------------------------
      INTEGER                           , INTENT(in   ) ::   Kmm                 ! time level
      REAL(wp), DIMENSION(:,:,:), TARGET, INTENT(inout) ::   pt_inc, ps_inc, pu_inc, pv_inc
      REAL(wp), DIMENSION(:,:)  , TARGET, INTENT(inout) ::   pssh_inc
      TYPE(nemoml_field)                                ::   sfields(10)
      !!----------------------------------------------------------------------
      sfields = [ nemoml_field_of( 'tn'        , ts(:,:,:,jp_tem,Kmm), 'T', nemoml_in  ),   &
         &        nemoml_field_of( 'sn'        , ts(:,:,:,jp_sal,Kmm), 'T', nemoml_in  ),   &
         &        nemoml_field_of( 'un'        , uu(:,:,:,Kmm)       , 'U', nemoml_in  ),   &
         &        nemoml_field_of( 'vn'        , vv(:,:,:,Kmm)       , 'V', nemoml_in  ),   &
         &        nemoml_field_of( 'sshn'      , ssh(:,:,Kmm)        , 'T', nemoml_in  ),   &
         &        nemoml_field_of( 't_bkginc'  , pt_inc              , 'T', nemoml_out ),   &
         &        nemoml_field_of( 's_bkginc'  , ps_inc              , 'T', nemoml_out ),   &
         &        nemoml_field_of( 'u_bkginc'  , pu_inc              , 'U', nemoml_out ),   &
         &        nemoml_field_of( 'v_bkginc'  , pv_inc              , 'V', nemoml_out ),   &
         &        nemoml_field_of( 'ssh_bkginc', pssh_inc            , 'T', nemoml_out ) ]
   END FUNCTION nemoml_asm_fields


   SUBROUTINE hooks_applied( cdvar, pinc, ldon, cdswitch, pinc2 )
      !!----------------------------------------------------------------------
      !! ** Purpose :   stop, on every rank, when a nonzero increment would be dropped by NEMO
      !!----------------------------------------------------------------------
      CHARACTER(len=*)          , INTENT(in) ::   cdvar, cdswitch   ! variables, their switch
      REAL(wp), DIMENSION(:,:,:), INTENT(in) ::   pinc              ! increment
      LOGICAL                   , INTENT(in) ::   ldon              ! &nam_asminc applies it
      REAL(wp), DIMENSION(:,:,:), INTENT(in), OPTIONAL ::   pinc2   ! second variable
      REAL(wp) ::   zmax
      !!----------------------------------------------------------------------
      zmax = MAXVAL( ABS( pinc ) )
      IF( PRESENT( pinc2 ) )   zmax = MAX( zmax, MAXVAL( ABS( pinc2 ) ) )
      CALL mpp_max( 'nemoml_hooks', zmax )   ! the same answer on every rank
      IF( zmax > 0._wp .AND. .NOT. ldon )   CALL ctl_stop( 'STOP', 'nemoml_hooks_increments: the '//  &
         &   'analysis has a '//cdvar//' increment but '//cdswitch//' = .false. in &nam_asminc: '//       &
         &   'NEMO would drop it; set '//cdswitch//' = .true.' )
   END SUBROUTINE hooks_applied


   !!======================================================================
END MODULE nemoml_hooks_asm
