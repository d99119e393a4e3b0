MODULE nemoml_asmcycle
   !!======================================================================
   !!                     ***  MODULE nemoml_asmcycle  ***
   !! nemoml plugin, NEMO side: cycled assimilation inside one run
   !!======================================================================
   !! Written for nemoml (not part of NEMO). Apart from nemoml_hooks because it uses asminc,
   !! which itself uses nemoml_hooks (the inline increments at asm_inc_init).
   !!
   !!   nemoml_asmcycle_step : at the end of every time step (stp): every nn_nemoml_freq steps
   !!                          hand the state to the bridge; when a window ends, take its
   !!                          analysis increment and re-arm the IAU over the next window
   !!
   !! NEMO variables written (all of module asminc / asmpar, nothing else):
   !!   t_bkginc, s_bkginc, u_bkginc, v_bkginc, ssh_bkginc   the increment of the window
   !!                          (allocated again when asminc freed them after its first IAU)
   !!   nitiaustr_r, nitiaufin_r                             the next IAU interval: kt+1 .. kt+n
   !!   wgtiau                                               its weights, zero elsewhere
   !! asminc then applies them unchanged: tra_asm_inc (T, S), dyn_asm_inc (U, V), ssh_asm_inc.
   !!----------------------------------------------------------------------
   USE oce            ! ocean dynamics and tracers
   USE dom_oce        ! ocean space and time domain
   USE in_out_manager ! I/O manager
   USE lib_mpp        ! MPP library
   USE lbclnk         ! ocean lateral boundary conditions (or mpp link)
   USE asmpar  , ONLY : nitiaustr_r, nitiaufin_r
   USE asminc  , ONLY : lk_asminc, ln_asmiau, ln_asmdin, ln_trainc, ln_sshinc, ln_dyninc,   &
      &                 t_bkginc, s_bkginc, u_bkginc, v_bkginc, ssh_bkginc, wgtiau
   USE nemoml         ! nemoml's Fortran API
   USE nemoml_hooks_asm, ONLY : nemoml_asm_fields
   USE nemoml_nam     ! &namnemoml

   IMPLICIT NONE
   PRIVATE

   PUBLIC   nemoml_asmcycle_step   ! called by stp (stprk3.F90, stpmlf.F90; step.F90 in 4.2)

   LOGICAL ::   l_checked = .FALSE.   ! the build and &nam_asminc checked (first call)
   !!----------------------------------------------------------------------
CONTAINS

   SUBROUTINE nemoml_asmcycle_step( kt, Kmm )
      !!----------------------------------------------------------------------
      !!                  ***  ROUTINE nemoml_asmcycle_step  ***
      !! ** Purpose :   cycled assimilation: state samples to the bridge, IAU re-armed
      !! ** Method  :   called after the time level swap of step kt, Kmm the level of the
      !!                state at the end of kt; only the sampling steps reach the bridge
      !!----------------------------------------------------------------------
      INTEGER, INTENT(in) ::   kt    ! ocean time step
      INTEGER, INTENT(in) ::   Kmm   ! time level of the state at the end of step kt
      INTEGER ::   iiau, istat, ifreq
      !!----------------------------------------------------------------------
      IF( nn_nemoml_cycle <= 0 )   RETURN
      IF( .NOT. l_checked )   CALL asmcycle_check
      ! only the sampling steps go to the bridge (its own rule, so no call, no collective and
      ! no Python on the other steps): every nn_nemoml_freq steps, 0 = once a model day
      ifreq = nn_nemoml_freq
      IF( ifreq <= 0 )   ifreq = NINT( 86400._wp / rn_Dt )
      IF( MOD( kt - nit000 + 1, ifreq ) /= 0 )   RETURN
      CALL asmcycle_alloc
      CALL nemoml_cycle( kt, nemoml_asm_fields( Kmm, t_bkginc, s_bkginc, u_bkginc, v_bkginc, ssh_bkginc ),   &
         &               iiau, istat )
      IF( istat /= 0 )   CALL ctl_stop( 'STOP', 'nemoml_asmcycle_step: '//nemoml_error() )
      IF( iiau <= 0 )   RETURN
      !
      CALL lbc_lnk( 'nemoml_asmcycle', t_bkginc, 'T', 1._wp, s_bkginc, 'T', 1._wp,   &
         &                             u_bkginc, 'U', -1._wp, v_bkginc, 'V', -1._wp )
      CALL lbc_lnk( 'nemoml_asmcycle', ssh_bkginc, 'T', 1._wp )
      CALL asmcycle_rearm( kt, MIN( iiau, nitend - kt ) )
   END SUBROUTINE nemoml_asmcycle_step


   SUBROUTINE asmcycle_check
      !!----------------------------------------------------------------------
      !! ** Purpose :   refuse, on every rank, a build or &nam_asminc that would drop the
      !!                increments (first call, after asm_inc_init has read &nam_asminc)
      !!----------------------------------------------------------------------
      l_checked = .TRUE.
      IF( .NOT. lk_asminc )   CALL ctl_stop( 'STOP', 'nemoml_asmcycle: nn_nemoml_cycle > 0 needs '//   &
         &   'NEMO built with key_asminc (add it to the cpp keys of the configuration)' )
      IF( .NOT. ln_asmiau .OR. ln_asmdin )   CALL ctl_stop( 'STOP', 'nemoml_asmcycle: nn_nemoml_cycle'// &
         &   ' > 0 applies each increment by IAU: set ln_asmiau = .true., ln_asmdin = .false. in &nam_asminc' )
      IF( .NOT. ln_trainc .OR. .NOT. ln_sshinc )   CALL ctl_stop( 'STOP', 'nemoml_asmcycle: the '//   &
         &   'analysis has T, S and SSH increments: set ln_trainc = .true. and ln_sshinc = .true. '//     &
         &   'in &nam_asminc, or NEMO drops them' )
      IF(lwp) THEN
         WRITE(numout,*)
         WRITE(numout,*) 'nemoml_asmcycle : cycled assimilation, windows of ', nn_nemoml_cycle, ' days'
         WRITE(numout,*) '~~~~~~~~~~~~~~~   IAU re-armed after every window; ln_dyninc = ', ln_dyninc
      ENDIF
   END SUBROUTINE asmcycle_check


   SUBROUTINE asmcycle_alloc
      !!----------------------------------------------------------------------
      !! ** Purpose :   the increment arrays, which asminc frees at the end of its first IAU
      !!----------------------------------------------------------------------
      IF( .NOT. ALLOCATED( t_bkginc   ) ) THEN   ;   ALLOCATE( t_bkginc(jpi,jpj,jpk) )   ;   t_bkginc(:,:,:) = 0._wp   ;   ENDIF
      IF( .NOT. ALLOCATED( s_bkginc   ) ) THEN   ;   ALLOCATE( s_bkginc(jpi,jpj,jpk) )   ;   s_bkginc(:,:,:) = 0._wp   ;   ENDIF
      IF( .NOT. ALLOCATED( u_bkginc   ) ) THEN   ;   ALLOCATE( u_bkginc(jpi,jpj,jpk) )   ;   u_bkginc(:,:,:) = 0._wp   ;   ENDIF
      IF( .NOT. ALLOCATED( v_bkginc   ) ) THEN   ;   ALLOCATE( v_bkginc(jpi,jpj,jpk) )   ;   v_bkginc(:,:,:) = 0._wp   ;   ENDIF
      IF( .NOT. ALLOCATED( ssh_bkginc ) ) THEN   ;   ALLOCATE( ssh_bkginc(jpi,jpj)   )   ;   ssh_bkginc(:,:) = 0._wp   ;   ENDIF
   END SUBROUTINE asmcycle_alloc


   SUBROUTINE asmcycle_rearm( kt, kiau )
      !!----------------------------------------------------------------------
      !! ** Purpose :   IAU of the new increment over steps kt+1 .. kt+kiau
      !! ** Method  :   nn_nemoml_iaufn's weights, as the bridge takes them for the part of
      !!                the increment not applied yet (summing to one: for an
      !!                even interval NEMO's own hat sums to 1 + 1/(m(m+1)), m = kiau/2);
      !!                re-armed at the end of a window, so the previous IAU, which ends at kt,
      !!                never reaches nitiaufin_r + 1, where asminc would free the arrays
      !!----------------------------------------------------------------------
      INTEGER, INTENT(in) ::   kt, kiau   ! last step of the window, IAU length (steps)
      INTEGER  ::   jt
      REAL(wp) ::   znorm
      !!----------------------------------------------------------------------
      nitiaustr_r = kt + 1
      nitiaufin_r = kt + kiau
      wgtiau(:) = 0._wp
      IF( nn_nemoml_iaufn == 1 ) THEN
         znorm = 0._wp
         DO jt = 1, kiau
            znorm = znorm + REAL( MIN( jt, kiau + 1 - jt ), wp )
         END DO
         DO jt = 1, kiau
            wgtiau(kt + jt - nit000 + 1) = REAL( MIN( jt, kiau + 1 - jt ), wp ) / znorm
         END DO
      ELSE
         wgtiau(kt + 1 - nit000 + 1 : kt + kiau - nit000 + 1) = 1._wp / REAL( kiau, wp )
      ENDIF
      IF(lwp) WRITE(numout,*) 'nemoml_asmcycle : increment of the window ending at kt = ', kt,   &
         &                    ', IAU over kt = ', nitiaustr_r, ' to ', nitiaufin_r
   END SUBROUTINE asmcycle_rearm

   !!======================================================================
END MODULE nemoml_asmcycle
