MODULE nemoml_hooks
   !!======================================================================
   !!                       ***  MODULE nemoml_hooks  ***
   !! nemoml plugin, NEMO side: namelist, init, initial state, finalize
   !!======================================================================
   !! Written for nemoml (not part of NEMO). Compiled by NEMO's own compiler from MY_SRC together
   !! with nemoml.F90 (the plugin's Fortran API); only the C ABI of libnemoml crosses compilers.
   !!
   !!   nemoml_hooks_init       : read &namnemoml, start the plugin      (nemogcm, after dom_init)
   !!   nemoml_hooks_istate     : generated initial state                (istate_init)
   !!   nemoml_hooks_barotropic : no barotropic history of the old state (nemogcm, after dyn_spg_init)
   !!   nemoml_hooks_finalize   : release the plugin before MPI ends     (nemo_gcm)
   !!   (the increments at asm_inc_init: module nemoml_hooks_asm; cycling: nemoml_asmcycle)
   !!----------------------------------------------------------------------
   USE oce            ! ocean dynamics and tracers
   USE dom_oce        ! ocean space and time domain
   USE in_out_manager ! I/O manager
   USE lib_mpp        ! MPP library
   USE lbclnk         ! ocean lateral boundary conditions (or mpp link)
   USE nemoml         ! nemoml's Fortran API
   USE nemoml_nam     ! &namnemoml
#if defined key_qco
   USE domqco  , ONLY : dom_qco_zgr
#endif
#if defined key_RK3
   USE dynspg_ts, ONLY : ll_cold_start   ! split-explicit: restart fields missing => cold start
#endif

   IMPLICIT NONE
   PRIVATE

   PUBLIC   nemoml_hooks_init        ! called by nemogcm.F90
   PUBLIC   nemoml_hooks_istate      ! called by istate.F90
   PUBLIC   nemoml_hooks_barotropic  ! called by nemogcm.F90
   PUBLIC   nemoml_hooks_finalize    ! called by nemogcm.F90

#  include "do_loop_substitute.h90"
#  include "domzgr_substitute.h90"
   !!----------------------------------------------------------------------
CONTAINS

   SUBROUTINE nemoml_hooks_init( Kbb, Kmm, Kaa )
      !!----------------------------------------------------------------------
      !!                  ***  ROUTINE nemoml_hooks_init  ***
      !! ** Purpose :   read &namnemoml and start the plugin on mpi_comm_oce, once the grid and
      !!                masks are known and before istate_init (first call costs seconds)
      !!----------------------------------------------------------------------
      INTEGER, INTENT(in) ::   Kbb, Kmm, Kaa   ! time level indices (unused: the grid is static)
      INTEGER ::   ios, istat
      CHARACTER(len=512) ::   clmsg
      !!----------------------------------------------------------------------
      ! the block is optional in namelist_ref (defaults in nemoml_nam); a misspelled variable stops
      CALL nemoml_nam_read( numnam_ref, ios, clmsg )   ! clmsg names the bad key
      IF( ios > 0 )   CALL ctl_nam ( ios , 'namnemoml in reference namelist: '//TRIM(clmsg) )
      CALL nemoml_nam_read( numnam_cfg, ios, clmsg )
      IF( ios > 0 )   CALL ctl_nam ( ios , 'namnemoml in configuration namelist: '//TRIM(clmsg) )
      IF(lwm)   CALL nemoml_nam_write( numond )
      ! NEMO's equation of state, as eos_init reads it: a generator trained with another EOS is
      ! refused at init (its T and S would not be the quantities this run's EOS takes)
      CALL nemoml_nam_eos_read( numnam_ref, ios )
      IF( ios > 0 )   CALL ctl_nam ( ios , 'nameos in reference namelist (read by nemoml)' )
      CALL nemoml_nam_eos_read( numnam_cfg, ios )
      IF( ios > 0 )   CALL ctl_nam ( ios , 'nameos in configuration namelist (read by nemoml)' )
      !
      IF(lwp) THEN
         WRITE(numout,*)
         WRITE(numout,*) 'nemoml_hooks_init : nemoml plugin (PyTorch models inside NEMO)'
         WRITE(numout,*) '~~~~~~~~~~~~~~~~~'
         WRITE(numout,*) '   Namelist namnemoml : ln_nemoml = ', ln_nemoml, ' ln_nemoml_istate = ',   &
            &            ln_nemoml_istate, ' ln_nemoml_asm = ', ln_nemoml_asm
      ENDIF
      IF( .NOT. ln_nemoml ) THEN
         ln_nemoml_istate = .FALSE.   ;   ln_nemoml_asm = .FALSE.
         RETURN
      ENDIF
      ! values are checked by nemoml_init, which returns a message naming the bad one
      nn_nemoml_date0 = nn_date0           ! dates of the increments record
      nn_nemoml_leapy = nn_leapy           ! ... in the run's calendar
      rn_nemoml_rdt   = rn_Dt              ! the cycling clock (nemoml_asmcycle)
      nn_nemoml_it000 = nit000
      nn_nemoml_itend = nitend
      CALL nemoml_boot( istat )
      IF( istat /= 0 )   CALL ctl_stop( 'STOP', 'nemoml_hooks_init: '//nemoml_error() )
      CALL nemoml_init( mpi_comm_oce,                                                          &
         &              nemoml_grid( jpi, jpj, jpk, Ni0glo, Nj0glo, nimpp, njmpp, nn_hls,        &
         &                           Nis0, Nie0, Njs0, Nje0 ),                                   &
         &              [ nemoml_field_of( 'tmask'   , tmask   , 'T', nemoml_in ),               &
         &                nemoml_field_of( 'umask'   , umask   , 'U', nemoml_in ),               &
         &                nemoml_field_of( 'vmask'   , vmask   , 'V', nemoml_in ),               &
         &                nemoml_field_of( 'gdept_1d', gdept_1d, 'Z', nemoml_in ),               &
         &                nemoml_field_of( 'gdepw_1d', gdepw_1d, 'Z', nemoml_in ),               &
         &                nemoml_field_of( 'e3t_1d'  , e3t_1d  , 'Z', nemoml_in ),               &
         &                nemoml_field_of( 'e3w_1d'  , e3w_1d  , 'Z', nemoml_in ),               &
         &                nemoml_field_of( 'glamt'   , glamt   , 'T', nemoml_in ),               &
         &                nemoml_field_of( 'gphit'   , gphit   , 'T', nemoml_in ),               &
         &                nemoml_field_of( 'e1t'     , e1t     , 'T', nemoml_in ),               &
         &                nemoml_field_of( 'e2t'     , e2t     , 'T', nemoml_in ),               &
         &                nemoml_field_of( 'ff_t'    , ff_t    , 'T', nemoml_in ) ],             &
         &              nemoml_nam_settings() // nemoml_nam_eos(), istat )
      IF( istat /= 0 )   CALL ctl_stop( 'STOP', 'nemoml_hooks_init: '//nemoml_error() )
      IF(lwp) WRITE(numout,*) '   nemoml started on mpi_comm_oce'
      ! cycling: asm_inc_init takes its first increment from nemoml_hooks_increments (zero),
      ! not from a file; the bridge was told the user's ln_nemoml_asm above
      IF( nn_nemoml_cycle > 0 )   ln_nemoml_asm = .TRUE.
   END SUBROUTINE nemoml_hooks_init


   SUBROUTINE nemoml_hooks_istate( Kbb, Kmm, Kaa )
      !!----------------------------------------------------------------------
      !!                  ***  ROUTINE nemoml_hooks_istate  ***
      !! ** Purpose :   replace the initial state (rest start or restart) by a generated one
      !! ** Method  :   called after the restart/rest block of istate_init: write Kbb, lbc_lnk,
      !!                copy to Kmm; SSH is set after dom_init, so key_qco rebuilds r3t/u/v/f;
      !!                MLF restarts with an Euler step, an RK3 restart rebuilds uu_b/vv_b
      !!----------------------------------------------------------------------
      INTEGER, INTENT(in) ::   Kbb, Kmm, Kaa   ! time level indices
      INTEGER ::   ji, jj, jk, istat
      !!----------------------------------------------------------------------
      IF( .NOT. ln_nemoml_istate )   RETURN
      IF(lwp) WRITE(numout,*) 'nemoml_hooks_istate : generated initial state (', TRIM(cn_nemoml_generator), ')'
      CALL nemoml_istate( nit000, [ nemoml_field_of( 'tn'  , ts(:,:,:,jp_tem,Kbb), 'T', nemoml_inout ),  &
         &                          nemoml_field_of( 'sn'  , ts(:,:,:,jp_sal,Kbb), 'T', nemoml_inout ),  &
         &                          nemoml_field_of( 'un'  , uu(:,:,:,Kbb)       , 'U', nemoml_inout ),  &
         &                          nemoml_field_of( 'vn'  , vv(:,:,:,Kbb)       , 'V', nemoml_inout ),  &
         &                          nemoml_field_of( 'sshn', ssh(:,:,Kbb)        , 'T', nemoml_inout ) ],&
         &                istat )
      IF( istat /= 0 )   CALL ctl_stop( 'STOP', 'nemoml_hooks_istate: '//nemoml_error() )
      CALL lbc_lnk( 'nemoml_hooks', ts(:,:,:,jp_tem,Kbb), 'T',  1._wp, ts(:,:,:,jp_sal,Kbb), 'T',  1._wp,  &
         &                          uu(:,:,:,       Kbb), 'U', -1._wp, vv(:,:,:,       Kbb), 'V', -1._wp )
      CALL lbc_lnk( 'nemoml_hooks', ssh(:,:,Kbb), 'T', 1._wp )
      ts (:,:,:,:,Kmm) = ts (:,:,:,:,Kbb)
      uu (:,:,:,  Kmm) = uu (:,:,:,  Kbb)
      vv (:,:,:,  Kmm) = vv (:,:,:,  Kbb)
      ssh(:,:,    Kmm) = ssh(:,:,    Kbb)
#if defined key_RK3
      ssh(:,:,    Kaa) = ssh(:,:,    Kbb)   ! not the restart's 'ssha' (old state): NEMO's own
      !                                     ! choice without one (rst_read_ssh, rest start)
#endif
#if defined key_qco
      CALL dom_qco_zgr( Kbb, Kmm )       ! r3t/u/v/f from the new SSH
#endif
#if defined key_RK3
      IF( ln_rstart ) THEN               ! istate_init skips the barotropic block on an RK3 restart
         uu_b(:,:,Kbb) = 0._wp   ;   vv_b(:,:,Kbb) = 0._wp
         DO_3D( nn_hls, nn_hls, nn_hls, nn_hls, 1, jpkm1 )
            uu_b(ji,jj,Kbb) = uu_b(ji,jj,Kbb) + e3u(ji,jj,jk,Kbb) * uu(ji,jj,jk,Kbb) * umask(ji,jj,jk)
            vv_b(ji,jj,Kbb) = vv_b(ji,jj,Kbb) + e3v(ji,jj,jk,Kbb) * vv(ji,jj,jk,Kbb) * vmask(ji,jj,jk)
         END_3D
         uu_b(:,:,Kbb) = uu_b(:,:,Kbb) * r1_hu(:,:,Kbb)
         vv_b(:,:,Kbb) = vv_b(:,:,Kbb) * r1_hv(:,:,Kbb)
         uu_b(:,:,Kmm) = uu_b(:,:,Kbb)   ;   vv_b(:,:,Kmm) = vv_b(:,:,Kbb)
      ENDIF
#else
      l_1st_euler = .TRUE.               ! MLF: before = now, the first step must be Euler
#endif
   END SUBROUTINE nemoml_hooks_istate


   SUBROUTINE nemoml_hooks_barotropic
      !!----------------------------------------------------------------------
      !!                  ***  ROUTINE nemoml_hooks_barotropic  ***
      !! ** Purpose :   after a generated state on an RK3 restart, start the split-explicit
      !!                barotropic mode cold, as from rest
      !! ** Method  :   dyn_spg_init (after istate_init) reads the old state's filter history
      !!                sshbb_e, sshb_e, ub(b)_e, vb(b)_e from the restart; ll_cold_start makes
      !!                dyn_spg_ts discard it at nit000 (forward first sub-steps), exactly what
      !!                NEMO does from rest or from a restart without these fields (and what the
      !!                offline writer io.write_restart gives by dropping them). MLF needs nothing:
      !!                l_1st_euler (set at istate) already skips their read.
      !!----------------------------------------------------------------------
      IF( .NOT. ln_nemoml_istate )   RETURN
#if defined key_RK3
      IF( ln_rstart ) THEN
         ll_cold_start = .TRUE.
         IF(lwp) WRITE(numout,*) 'nemoml_hooks_barotropic : generated state, cold barotropic start'
      ENDIF
#endif
   END SUBROUTINE nemoml_hooks_barotropic


   SUBROUTINE nemoml_hooks_finalize
      !!----------------------------------------------------------------------
      !! ** Purpose :   release models and the plugin's communicator before MPI_Finalize
      !!----------------------------------------------------------------------
      INTEGER ::   istat
      IF( .NOT. ln_nemoml )   RETURN
      CALL nemoml_finalize( istat )
      IF( istat /= 0 .AND. lwp )   WRITE(numout,*) 'nemoml_hooks_finalize: ', nemoml_error()
   END SUBROUTINE nemoml_hooks_finalize


   !!======================================================================
END MODULE nemoml_hooks
