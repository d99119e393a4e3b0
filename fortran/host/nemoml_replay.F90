PROGRAM nemoml_replay
   !!======================================================================
   !!                    ***  PROGRAM nemoml_replay  ***
   !! Stand-in for NEMO with cycled assimilation: a replayed trajectory plus IAU increments
   !!======================================================================
   !! usage: mpirun -n N nemoml_replay [namelist]      (default namelist: namelist_cfg)
   !! The "model" of step kt is the free run's daily record (cn_free) plus every increment
   !! applied so far by IAU; NEMO's time loop otherwise: nemoml_cycle at the end of every step
   !! with MOD(kt - nit000 + 1, nn_nemoml_freq) == 0 with that step's state, and an increment
   !! returned at kt is added over steps kt+1 .. kt+n with the weights of nn_iaufn (as asminc's
   !! tra_asm_inc / ssh_asm_inc would, re-armed). Rank 0 prints, per window, the volume-weighted
   !! RMSE of the free and the cycled states against the truth (cn_truth):
   !!   WINDOW iw kt nsamples rmse_T_free rmse_T_cycled rmse_S_free rmse_S_cycled rmse_SSH_free rmse_SSH_cycled
   !!   IAU kt n sum_of_weights
   !! ln_every_step: also call at every other step (the bridge must return 0 at once and leave
   !! the *_bkginc fields untouched: CHECK untouched PASS/FAIL at the end).
   !! Exit status 0 on success, 2 when nemoml reports an error (every rank, same message).
   !!----------------------------------------------------------------------
   USE mpi
   USE nemoml
   USE host_domain
   USE host_io
   IMPLICIT NONE

   INTEGER  :: icomm, irank, isize, ierr, istat
   INTEGER  :: kt, ispd, ifreq, iwin, iw, irec, iiau, ik0, niau, insamp, jk, itouched, iall
   CHARACTER(len=512) :: cl_nml, cl_msg
   ! &namreplay: the replayed run (NEMO's nn_date0, nn_leapy, rn_Dt, nit000, nitend, nn_iaufn)
   CHARACTER(len=512) :: cn_free = 'free.nc', cn_truth = 'truth.nc'
   INTEGER  :: nn_date0 = 1350101, nn_leapy = 30, nn_it000 = 1, nn_itend = 360, nn_iaufn = 1
   REAL(dp) :: rn_Dt = 14400._dp
   LOGICAL  :: ln_every_step = .FALSE.
   INTEGER  :: nn_skip = -1                       ! tests: a sampling step the host forgets
   NAMELIST/namreplay/ cn_free, cn_truth, nn_date0, nn_leapy, nn_it000, nn_itend, nn_iaufn, rn_Dt, &
      &                ln_every_step, nn_skip
   TYPE(nemoml_grid) :: sgrid
   REAL(dp), ALLOCATABLE, TARGET :: tmask(:,:,:), umask(:,:,:), vmask(:,:,:), gdept_1d(:), gdepw_1d(:), e3t_1d(:)
   REAL(dp), ALLOCATABLE, TARGET :: glamt(:,:), gphit(:,:), e1t(:,:), e2t(:,:)
   REAL(dp), ALLOCATABLE, TARGET :: tn(:,:,:), sn(:,:,:), un(:,:,:), vn(:,:,:), sshn(:,:)
   REAL(dp), ALLOCATABLE, TARGET :: tinc(:,:,:), sinc(:,:,:), uinc(:,:,:), vinc(:,:,:), sshinc(:,:)
   REAL(dp), ALLOCATABLE :: zt(:,:,:), zs(:,:,:), zssh(:,:), ztt(:,:,:), zst(:,:,:), zssht(:,:)
   REAL(dp), ALLOCATABLE :: zat(:,:,:), zas(:,:,:), zassh(:,:)        ! increments applied so far
   REAL(dp), ALLOCATABLE :: zwgt(:), zvol(:,:,:), zarea(:,:)
   REAL(dp) :: zsq(6), zsqg(6), zden(2), zdeng(2)

   CALL mpi_init( ierr )
   CALL mpi_comm_dup( MPI_COMM_WORLD, icomm, ierr )
   CALL mpi_comm_rank( icomm, irank, ierr )
   CALL mpi_comm_size( icomm, isize, ierr )
   cl_nml = 'namelist_cfg'
   IF( COMMAND_ARGUMENT_COUNT() >= 1 )   CALL GET_COMMAND_ARGUMENT( 1, cl_nml )
   CALL host_read_namelists( TRIM(cl_nml), istat, cl_msg )
   IF( istat /= 0 )   CALL replay_stop( 'cannot read '//TRIM(cl_nml)//': '//TRIM(cl_msg), 3 )
   CALL read_replay( TRIM(cl_nml), istat )
   IF( istat /= 0 )   CALL replay_stop( 'cannot read &namreplay from '//TRIM(cl_nml), 3 )
   CALL io_dims( TRIM(cn_meshmask), nn_ni0glo, nn_nj0glo, nn_jpk, istat )
   IF( istat /= 0 )   CALL replay_stop( 'cannot read the sizes of the mesh mask '//TRIM(cn_meshmask), 3 )
   BLOCK
      INTEGER, ALLOCATABLE :: iocean(:,:)
      ALLOCATE( iocean(nn_ni0glo,nn_nj0glo) )   ;   iocean(:,:) = 1
      CALL host_decompose( irank, isize, iocean, istat )
   END BLOCK
   IF( istat /= 0 )   CALL replay_stop( 'no jpni x jpnj decomposition matches the number of ranks', 3 )
   IF( irank == 0 )   WRITE(*,'(a,7(1x,i0))') 'LAYOUT', jpni, jpnj, nn_ni0glo, nn_nj0glo, jpk, nn_hls, nland

   ALLOCATE( tmask(jpi,jpj,jpk), umask(jpi,jpj,jpk), vmask(jpi,jpj,jpk), gdept_1d(jpk), gdepw_1d(jpk), e3t_1d(jpk) )
   ALLOCATE( glamt(jpi,jpj), gphit(jpi,jpj), e1t(jpi,jpj), e2t(jpi,jpj) )
   ALLOCATE( tn(jpi,jpj,jpk), sn(jpi,jpj,jpk), un(jpi,jpj,jpk), vn(jpi,jpj,jpk), sshn(jpi,jpj) )
   ALLOCATE( tinc(jpi,jpj,jpk), sinc(jpi,jpj,jpk), uinc(jpi,jpj,jpk), vinc(jpi,jpj,jpk), sshinc(jpi,jpj) )
   ALLOCATE( zt(jpi,jpj,jpk), zs(jpi,jpj,jpk), zssh(jpi,jpj), ztt(jpi,jpj,jpk), zst(jpi,jpj,jpk), zssht(jpi,jpj) )
   ALLOCATE( zat(jpi,jpj,jpk), zas(jpi,jpj,jpk), zassh(jpi,jpj), zvol(jpi,jpj,jpk), zarea(jpi,jpj) )
   CALL mesh( 'tmask', tmask )   ;   CALL mesh( 'umask', umask )   ;   CALL mesh( 'vmask', vmask )
   CALL io_read( TRIM(cn_meshmask), 'gdept_1d', gdept_1d, istat )   ;   CALL check_io( 'gdept_1d' )
   CALL io_read( TRIM(cn_meshmask), 'e3t_1d', e3t_1d, istat )       ;   CALL check_io( 'e3t_1d' )
   CALL io_read( TRIM(cn_meshmask), 'gdepw_1d', gdepw_1d, istat )   ;   CALL check_io( 'gdepw_1d' )
   CALL mesh2( 'glamt', glamt )   ;   CALL mesh2( 'gphit', gphit )
   CALL mesh2( 'e1t', e1t )       ;   CALL mesh2( 'e2t', e2t )
   zarea(:,:) = 0._dp   ;   zvol(:,:,:) = 0._dp                 ! inner points only: each counted once
   zarea(nis0:nie0,njs0:nje0) = e1t(nis0:nie0,njs0:nje0) * e2t(nis0:nie0,njs0:nje0) * tmask(nis0:nie0,njs0:nje0,1)
   DO jk = 1, jpk
      zvol(nis0:nie0,njs0:nje0,jk) = e1t(nis0:nie0,njs0:nje0) * e2t(nis0:nie0,njs0:nje0) * e3t_1d(jk)   &
         &                         * tmask(nis0:nie0,njs0:nje0,jk)
   END DO
   zden(1) = SUM( zvol )   ;   zden(2) = SUM( zarea )
   CALL mpi_allreduce( zden, zdeng, 2, MPI_DOUBLE_PRECISION, MPI_SUM, icomm, ierr )

   ! the host's own variables the cycling clock needs, as NEMO's nemoml_hooks sets them
   nn_nemoml_date0 = nn_date0   ;   nn_nemoml_leapy = nn_leapy   ;   rn_nemoml_rdt = rn_Dt
   nn_nemoml_it000 = nn_it000   ;   nn_nemoml_itend = nn_itend   ;   nn_nemoml_iaufn = nn_iaufn
   ispd  = NINT( 86400._dp / rn_Dt )
   ifreq = nn_nemoml_freq   ;   IF( ifreq == 0 )   ifreq = ispd
   iwin  = MAX( nn_nemoml_cycle, 1 ) * ispd
   IF( MOD( ifreq, ispd ) /= 0 )   CALL replay_stop( 'the replayed run is daily: nn_nemoml_freq must be whole days', 3 )

   CALL nemoml_boot( istat )
   IF( istat /= 0 )   WRITE(*,'(a,i0,a)') 'nemoml_replay: nemoml_boot failed on rank ', irank, ': '//nemoml_error()
   ! boot is local: agree its status, or a failed rank stops alone while the others wait in init
   CALL mpi_allreduce( MPI_IN_PLACE, istat, 1, MPI_INTEGER, MPI_MAX, icomm, ierr )
   IF( istat /= 0 )   CALL replay_stop( 'nemoml_boot failed', 2 )
   sgrid = nemoml_grid( jpi, jpj, jpk, nn_ni0glo, nn_nj0glo, nimpp, njmpp, nn_hls, nis0, nie0, njs0, nje0 )
   CALL nemoml_init( icomm, sgrid, [ nemoml_field_of('tmask', tmask, 'T', nemoml_in),                    &
      &   nemoml_field_of('umask', umask, 'U', nemoml_in), nemoml_field_of('vmask', vmask, 'V', nemoml_in), &
      &   nemoml_field_of('gdept_1d', gdept_1d, 'Z', nemoml_in), nemoml_field_of('e3t_1d', e3t_1d, 'Z', nemoml_in), &
      &   nemoml_field_of('gdepw_1d', gdepw_1d, 'Z', nemoml_in),                                            &
      &   nemoml_field_of('glamt', glamt, 'T', nemoml_in), nemoml_field_of('gphit', gphit, 'T', nemoml_in),   &
      &   nemoml_field_of('e1t', e1t, 'T', nemoml_in), nemoml_field_of('e2t', e2t, 'T', nemoml_in) ],         &
      &   nemoml_nam_settings() // nemoml_nam_eos(), istat )
   CALL check_status( 'nemoml_init', istat )

   ! ---- the time loop (stp) ----
   zat(:,:,:) = 0._dp   ;   zas(:,:,:) = 0._dp   ;   zassh(:,:) = 0._dp
   un(:,:,:) = 0._dp    ;   vn(:,:,:) = 0._dp   ! as asm_inc_init, the increments start at 0:
   tinc(:,:,:) = 0._dp  ;   sinc(:,:,:) = 0._dp   ;   sshinc(:,:) = 0._dp   ! the bridge writes no
   uinc(:,:,:) = 0._dp  ;   vinc(:,:,:) = 0._dp                           ! point outside the domain
   niau = 0   ;   ik0 = 0   ;   zsq(:) = 0._dp   ;   insamp = 0   ;   iw = 0   ;   itouched = 0
   DO kt = nn_it000, nn_itend
      IF( niau > 0 .AND. kt > ik0 .AND. kt <= ik0 + niau ) THEN      ! IAU: this step's share
         zat(:,:,:) = zat(:,:,:) + zwgt(kt-ik0) * tinc(:,:,:)
         zas(:,:,:) = zas(:,:,:) + zwgt(kt-ik0) * sinc(:,:,:)
         zassh(:,:) = zassh(:,:) + zwgt(kt-ik0) * sshinc(:,:)
      ENDIF
      IF( MOD( kt - nn_it000 + 1, ifreq ) == 0 .AND. kt /= nn_skip ) THEN   ! a sample
         irec = ( kt - nn_it000 + 1 ) / ispd
         CALL record( cn_free, irec, zt, zs, zssh )
         CALL record( cn_truth, irec, ztt, zst, zssht )
         tn(:,:,:) = ( zt(:,:,:) + zat(:,:,:) ) * tmask(:,:,:)
         sn(:,:,:) = ( zs(:,:,:) + zas(:,:,:) ) * tmask(:,:,:)
         sshn(:,:) = ( zssh(:,:) + zassh(:,:) ) * tmask(:,:,1)
         zsq(1) = zsq(1) + SUM( zvol * ( zt - ztt )**2 )   ;   zsq(2) = zsq(2) + SUM( zvol * ( tn - ztt )**2 )
         zsq(3) = zsq(3) + SUM( zvol * ( zs - zst )**2 )   ;   zsq(4) = zsq(4) + SUM( zvol * ( sn - zst )**2 )
         zsq(5) = zsq(5) + SUM( zarea * ( zssh - zssht )**2 )   ;   zsq(6) = zsq(6) + SUM( zarea * ( sshn - zssht )**2 )
         insamp = insamp + 1
         CALL nemoml_cycle( kt, [ nemoml_field_of('tn', tn, 'T', nemoml_in),                          &
            &  nemoml_field_of('sn', sn, 'T', nemoml_in), nemoml_field_of('un', un, 'U', nemoml_in),   &
            &  nemoml_field_of('vn', vn, 'V', nemoml_in), nemoml_field_of('sshn', sshn, 'T', nemoml_in), &
            &  nemoml_field_of('t_bkginc', tinc, 'T', nemoml_out), nemoml_field_of('s_bkginc', sinc, 'T', nemoml_out), &
            &  nemoml_field_of('u_bkginc', uinc, 'U', nemoml_out), nemoml_field_of('v_bkginc', vinc, 'V', nemoml_out), &
            &  nemoml_field_of('ssh_bkginc', sshinc, 'T', nemoml_out) ], iiau, istat )
         CALL check_status( 'nemoml_cycle', istat )
         IF( iiau > 0 ) THEN                                         ! re-arm IAU from kt+1
            IF( niau > 0 .AND. kt < ik0 + niau )   CALL replay_stop( 'a new increment before the last IAU ended', 1 )
            niau = iiau   ;   ik0 = kt
            CALL weights( niau, nn_iaufn )
            IF( irank == 0 )   WRITE(*,'(a,2(1x,i0),1x,es25.17)') 'IAU', kt, niau, SUM( zwgt )
         ENDIF
      ELSE IF( ln_every_step ) THEN                                  ! not a sample: a no-op
         zt(:,:,:) = tinc(:,:,:)   ;   zssh(:,:) = sshinc(:,:)
         CALL nemoml_cycle( kt, [ nemoml_field_of('tn', tn, 'T', nemoml_in),                          &
            &  nemoml_field_of('sn', sn, 'T', nemoml_in), nemoml_field_of('sshn', sshn, 'T', nemoml_in), &
            &  nemoml_field_of('t_bkginc', tinc, 'T', nemoml_out), nemoml_field_of('s_bkginc', sinc, 'T', nemoml_out), &
            &  nemoml_field_of('ssh_bkginc', sshinc, 'T', nemoml_out) ], iiau, istat )
         CALL check_status( 'nemoml_cycle', istat )
         IF( iiau /= 0 .OR. ANY( zt /= tinc ) .OR. ANY( zssh /= sshinc ) )   itouched = itouched + 1
      ENDIF
      IF( MOD( kt - nn_it000 + 1, iwin ) == 0 .OR. kt == nn_itend ) THEN   ! a window ends
         CALL mpi_allreduce( zsq, zsqg, 6, MPI_DOUBLE_PRECISION, MPI_SUM, icomm, ierr )
         IF( irank == 0 .AND. insamp > 0 )   WRITE(*,'(a,3(1x,i0),6(1x,es16.9))') 'WINDOW', iw, kt, insamp,  &
            &   SQRT( zsqg(1:4) / ( insamp * zdeng(1) ) ), SQRT( zsqg(5:6) / ( insamp * zdeng(2) ) )
         zsq(:) = 0._dp   ;   insamp = 0   ;   iw = iw + 1
      ENDIF
   END DO

   IF( ln_every_step ) THEN
      CALL mpi_allreduce( itouched, iall, 1, MPI_INTEGER, MPI_SUM, icomm, ierr )
      IF( irank == 0 .AND. iall == 0 )   WRITE(*,'(a)') 'CHECK untouched PASS'
      IF( irank == 0 .AND. iall /= 0 )   WRITE(*,'(a,i0)') 'CHECK untouched FAIL ', iall
   ENDIF
   CALL nemoml_finalize( istat )
   CALL check_status( 'nemoml_finalize', istat )
   IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_replay: done'
   CALL mpi_finalize( ierr )

CONTAINS

   SUBROUTINE read_replay( cdfile, kstat )
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(out) :: kstat
      INTEGER :: inum
      OPEN( newunit=inum, file=cdfile, status='old', action='read', iostat=kstat )
      IF( kstat /= 0 )   RETURN
      READ( inum, namreplay, iostat=kstat )
      CLOSE( inum )
   END SUBROUTINE read_replay

   SUBROUTINE weights( kn, kfn )
      !! the IAU weights of python/nemoml/assimilate/cycle.py (iau_weights): sum one
      INTEGER, INTENT(in) :: kn, kfn
      INTEGER :: jt
      IF( ALLOCATED(zwgt) )   DEALLOCATE( zwgt )
      ALLOCATE( zwgt(kn) )
      DO jt = 1, kn
         IF( kfn == 1 ) THEN ; zwgt(jt) = REAL( MIN( jt, kn + 1 - jt ), dp )
         ELSE                ; zwgt(jt) = 1._dp
         ENDIF
      END DO
      zwgt(:) = zwgt(:) / SUM( zwgt )
   END SUBROUTINE weights

   SUBROUTINE record( cdfile, krec, pt, ps, pssh )
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(in ) :: krec
      REAL(dp)        , INTENT(out) :: pt(:,:,:), ps(:,:,:), pssh(:,:)
      CALL io_read( TRIM(cdfile), 'thetao', pt, istat, krec )   ;   CALL check_io( 'thetao of '//TRIM(cdfile) )
      CALL io_read( TRIM(cdfile), 'so', ps, istat, krec )       ;   CALL check_io( 'so of '//TRIM(cdfile) )
      CALL io_read( TRIM(cdfile), 'zos', pssh, istat, krec )    ;   CALL check_io( 'zos of '//TRIM(cdfile) )
   END SUBROUTINE record

   SUBROUTINE mesh( cdvar, pf )
      CHARACTER(len=*), INTENT(in) :: cdvar
      REAL(dp), INTENT(out) :: pf(:,:,:)
      CALL io_read( TRIM(cn_meshmask), cdvar, pf, istat )   ;   CALL check_io( cdvar )
   END SUBROUTINE mesh

   SUBROUTINE mesh2( cdvar, pf )
      CHARACTER(len=*), INTENT(in) :: cdvar
      REAL(dp), INTENT(out) :: pf(:,:)
      CALL io_read( TRIM(cn_meshmask), cdvar, pf, istat )   ;   CALL check_io( cdvar )
   END SUBROUTINE mesh2

   SUBROUTINE check_io( cdvar )
      CHARACTER(len=*), INTENT(in) :: cdvar
      INTEGER :: iany
      CALL mpi_allreduce( ABS(istat), iany, 1, MPI_INTEGER, MPI_MAX, icomm, ierr )
      IF( iany /= 0 )   CALL replay_stop( 'cannot read '//cdvar, 3 )
   END SUBROUTINE check_io

   SUBROUTINE check_status( cdcall, kstat )
      !! every rank gets the same status from nemoml: each says so, then all stop together
      CHARACTER(len=*), INTENT(in) :: cdcall
      INTEGER, INTENT(in) :: kstat
      IF( kstat == 0 )   RETURN
      WRITE(*,'(a,i0,a,i0)') 'nemoml_replay: rank ', irank, ': '//cdcall//' status ', kstat
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_replay: '//cdcall//' failed: '//nemoml_error()
      FLUSH(6)
      CALL nemoml_finalize( istat )
      CALL replay_stop( cdcall//' failed', 2 )
   END SUBROUTINE check_status

   SUBROUTINE replay_stop( cdmsg, kcode )
      CHARACTER(len=*), INTENT(in) :: cdmsg
      INTEGER, INTENT(in) :: kcode
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_replay: stop: '//cdmsg
      FLUSH(6)
      CALL mpi_barrier( icomm, ierr )
      CALL mpi_finalize( ierr )
      ERROR STOP kcode
   END SUBROUTINE replay_stop

END PROGRAM nemoml_replay
