PROGRAM hooks_driver
   !! NEMO's call order on one rank through the real plugin: hooks_init, an RK3 restart with a
   !! test istate model (T+1, S-1, -U, 2V, SSH+0.5), hooks_barotropic, then the increments of a
   !! test model (0.5 T, -0.25 S, V, U, 2 SSH) with &nam_asminc's switches; prints CHECK lines.
   !! usage: hooks_driver MODELDIR EOS [SWITCHES [cycle]]   (EOS: the &nameos flag set, e.g.
   !!        ln_eos80; SWITCHES: ln_trainc ln_dyninc ln_sshinc as three T/F letters, default TTT;
   !!        cycle: then one step of nemoml_asmcycle with nn_nemoml_cycle = 10 and those switches,
   !!        whose build and &nam_asminc checks come before any call to the bridge)
   USE mpi
   USE par_kind
   USE oce
   USE dom_oce
   USE in_out_manager
   USE lib_mpp
   USE nemoml_hooks
   USE nemoml_hooks_asm
   USE nemoml_asmcycle
   USE nemoml_nam, ONLY : nn_nemoml_cycle
   USE asminc, ONLY : ln_trainc, ln_sshinc
#if defined key_RK3
   USE dynspg_ts, ONLY : ll_cold_start
#endif
   IMPLICIT NONE
   INTEGER, PARAMETER ::   Kbb = 1, Kmm = 2, Kaa = 3
   INTEGER ::   ierr
   CHARACTER(len=512) ::   cldir, cleos, clsw, clcyc
   REAL(wp), ALLOCATABLE, DIMENSION(:,:,:) ::   zt_inc, zs_inc, zu_inc, zv_inc
   REAL(wp), ALLOCATABLE, DIMENSION(:,:)   ::   zssh_inc
   CALL mpi_init( ierr )
   CALL mpi_comm_dup( MPI_COMM_WORLD, mpi_comm_oce, ierr )
   CALL GET_COMMAND_ARGUMENT( 1, cldir )   ;   CALL GET_COMMAND_ARGUMENT( 2, cleos )
   clsw = 'TTT'
   IF( COMMAND_ARGUMENT_COUNT() > 2 )   CALL GET_COMMAND_ARGUMENT( 3, clsw )
   clcyc = ''
   IF( COMMAND_ARGUMENT_COUNT() > 3 )   CALL GET_COMMAND_ARGUMENT( 4, clcyc )
   nn_hls = 1   ;   jpi = 8   ;   jpj = 7   ;   jpk = 3   ;   jpkm1 = jpk - 1
   Ni0glo = jpi - 2*nn_hls   ;   Nj0glo = jpj - 2*nn_hls   ;   nimpp = 1   ;   njmpp = 1
   Nis0 = 1 + nn_hls   ;   Nie0 = jpi - nn_hls   ;   Njs0 = 1 + nn_hls   ;   Nje0 = jpj - nn_hls
   ALLOCATE( tmask(jpi,jpj,jpk), umask(jpi,jpj,jpk), vmask(jpi,jpj,jpk), gdept_1d(jpk),      &
      &      gdepw_1d(jpk), e3t_1d(jpk), e3w_1d(jpk), glamt(jpi,jpj), gphit(jpi,jpj),         &
      &      e1t(jpi,jpj), e2t(jpi,jpj), ff_t(jpi,jpj), e3u_0(jpi,jpj,jpk), e3v_0(jpi,jpj,jpk), &
      &      r1_hu(jpi,jpj,3), r1_hv(jpi,jpj,3), ts(jpi,jpj,jpk,2,3), uu(jpi,jpj,jpk,3),      &
      &      vv(jpi,jpj,jpk,3), ssh(jpi,jpj,3), uu_b(jpi,jpj,3), vv_b(jpi,jpj,3) )
   tmask(:,:,:) = 0._wp   ;   tmask(Nis0:Nie0,Njs0:Nje0,1:jpkm1) = 1._wp
   umask(:,:,:) = tmask   ;   vmask(:,:,:) = tmask
   gdept_1d(:) = [ 5._wp, 15._wp, 25._wp ]   ;   gdepw_1d(:) = [ 0._wp, 10._wp, 20._wp ]
   e3t_1d(:) = 10._wp   ;   e3w_1d(:) = 10._wp   ;   e3u_0(:,:,:) = 10._wp   ;   e3v_0(:,:,:) = 10._wp
   r1_hu(:,:,:) = 1._wp / 20._wp   ;   r1_hv(:,:,:) = 1._wp / 20._wp
   glamt(:,:) = 0._wp   ;   gphit(:,:) = 30._wp   ;   e1t(:,:) = 1.e5_wp   ;   e2t(:,:) = 1.e5_wp
   ff_t(:,:) = 7.3e-5_wp
   ! the restart's (old) state, and its extrapolated 'ssha' at Kaa
   ts(:,:,:,jp_tem,:) = 0._wp   ;   ts(:,:,:,jp_sal,:) = 0._wp
   ts(:,:,:,jp_tem,Kbb) = 10._wp * tmask   ;   ts(:,:,:,jp_sal,Kbb) = 35._wp * tmask
   uu(:,:,:,:) = 0._wp   ;   vv(:,:,:,:) = 0._wp   ;   ssh(:,:,:) = 0._wp
   uu(:,:,:,Kbb) = 0.1_wp * umask   ;   vv(:,:,:,Kbb) = 0.1_wp * vmask
   ssh(:,:,Kbb) = 0.2_wp * tmask(:,:,1)   ;   ssh(:,:,Kaa) = -9._wp * tmask(:,:,1)
   uu_b(:,:,:) = 0._wp   ;   vv_b(:,:,:) = 0._wp
   ln_rstart = .TRUE.
   numnam_ref = '&namnemoml / &nameos ln_teos10 = .false., ln_eos80 = .false., ln_seos = .false. /'
   numnam_cfg = "&namnemoml ln_nemoml = .true., ln_nemoml_istate = .true., cn_nemoml_models = 'istate=" &
      &         //TRIM(cldir)//"/istate.pt, increments="//TRIM(cldir)//"/increments.pt', "                &
      &         //"cn_nemoml_istate = 'model:istate', ln_nemoml_asm = .true., "                          &
      &         //"cn_nemoml_increments = 'model:increments' / &nameos "//TRIM(cleos)//" = .true. /"
   CALL nemoml_hooks_init( Kbb, Kmm, Kaa )
   CALL nemoml_hooks_istate( Kbb, Kmm, Kaa )
   CALL nemoml_hooks_barotropic
   CALL check( 'istate_t', ALL( ts(:,:,:,jp_tem,Kbb) == 11._wp * tmask ) )
   CALL check( 'istate_ssh', ALL( ssh(:,:,Kbb) == 0.7_wp * tmask(:,:,1) ) )
   CALL check( 'kmm_is_kbb', ALL( ts(:,:,:,:,Kmm) == ts(:,:,:,:,Kbb) ) .AND. ALL( ssh(:,:,Kmm) == ssh(:,:,Kbb) ) )
#if defined key_RK3
   CALL check( 'ssh_kaa_new', ALL( ssh(:,:,Kaa) == ssh(:,:,Kbb) ) )
   CALL check( 'uu_b_new', ABS( uu_b(Nis0,Njs0,Kbb) + 0.1_wp ) < 1.e-12_wp )
   CALL check( 'cold_barotropic_start', ll_cold_start )
#else
   CALL check( 'euler_first_step', l_1st_euler )
#endif
   ALLOCATE( zt_inc(jpi,jpj,jpk), zs_inc(jpi,jpj,jpk), zu_inc(jpi,jpj,jpk), zv_inc(jpi,jpj,jpk),  &
      &      zssh_inc(jpi,jpj) )
   IF( TRIM(clcyc) == 'cycle' ) THEN   ! the switches are for the cycled step
      CALL nemoml_hooks_increments( Kbb, Kmm, zt_inc, zs_inc, zu_inc, zv_inc, zssh_inc )
   ELSE
      CALL nemoml_hooks_increments( Kbb, Kmm, zt_inc, zs_inc, zu_inc, zv_inc, zssh_inc,         &
         &                          clsw(1:1) == 'T', clsw(2:2) == 'T', clsw(3:3) == 'T' )
   ENDIF
   CALL check( 'increments_t', ABS( zt_inc(Nis0,Njs0,1) - 5.5_wp ) < 1.e-12_wp )
   IF( TRIM(clcyc) == 'cycle' ) THEN
      nn_nemoml_cycle = 10   ;   ln_trainc = clsw(1:1) == 'T'   ;   ln_sshinc = clsw(3:3) == 'T'
      CALL nemoml_asmcycle_step( 1, Kbb )
      CALL check( 'cycle_checks_passed', .TRUE. )
   ENDIF
   CALL nemoml_hooks_finalize
   CALL mpi_finalize( ierr )
CONTAINS
   SUBROUTINE check( cdname, ldok )
      CHARACTER(len=*), INTENT(in) ::   cdname
      LOGICAL         , INTENT(in) ::   ldok
      IF( ldok ) THEN   ;   WRITE(*,'(a)') 'CHECK '//cdname//' PASS'
      ELSE              ;   WRITE(*,'(a)') 'CHECK '//cdname//' FAIL'
      ENDIF
   END SUBROUTINE check
END PROGRAM hooks_driver
