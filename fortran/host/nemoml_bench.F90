PROGRAM nemoml_bench
   !!======================================================================
   !!                     ***  PROGRAM nemoml_bench  ***
   !! Times the round trip Fortran -> C -> Python -> model -> back (nemoml bench bridge)
   !!======================================================================
   !! usage: mpirun -n N nemoml_bench MODELDIR NREP [NBATCH [sync]]
   !! On every rank count: per-call time of an empty call and, for the identity and conv test
   !! models, of a per-rank forward on 1e3 and 1e6 points. With N > 1 also a global forward
   !! (gather + model on rank 0 + scatter) of a 1e6-point field. Each of NBATCH (default 5)
   !! batches times every case once (NREP calls, fewer for big fields) and rank 0 prints
   !! "TIME name seconds_per_call" per case, then "BATCH jb t0 t1" (start and end of the batch,
   !! seconds of the monotonic clock, comparable with the caller's). With "sync", rank 0 reads one line
   !! from stdin before each batch, so a caller can run its own timings between the batches
   !! (interleaved, not one phase after the other).
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding, ONLY: c_double
   USE mpi
   USE nemoml
   USE nemoml_decomp
   IMPLICIT NONE
   INTEGER, PARAMETER :: dp = c_double, jpglo = 100, jpk = 100
   INTEGER  :: icomm, irank, isize, ierr, istat, inrep, jpni, jpnj, inbatch, jb, ios
   LOGICAL  :: llsync
   INTEGER  :: iid, iconv
   INTEGER(8) :: iclk0, iclk1, irate
   INTEGER, ALLOCATABLE :: ijpi(:), ijpj(:), iimpp(:), ijmpp(:)
   CHARACTER(len=512) :: cldir, clarg
   TYPE(nemoml_grid)  :: sgrid
   REAL(dp), ALLOCATABLE, TARGET :: zmask(:,:,:), zx3(:,:,:), zy3(:,:,:), zx6(:,:,:), zy6(:,:,:)
   REAL(dp), ALLOCATABLE, TARGET :: zxg(:,:,:), zyg(:,:,:)

   CALL mpi_init( ierr )
   CALL mpi_comm_dup( MPI_COMM_WORLD, icomm, ierr )
   CALL mpi_comm_rank( icomm, irank, ierr )
   CALL mpi_comm_size( icomm, isize, ierr )
   CALL GET_COMMAND_ARGUMENT( 1, cldir )
   CALL GET_COMMAND_ARGUMENT( 2, clarg )
   READ(clarg,*) inrep
   inbatch = 5
   IF( COMMAND_ARGUMENT_COUNT() >= 3 ) THEN
      CALL GET_COMMAND_ARGUMENT( 3, clarg )   ;   READ(clarg,*) inbatch
   ENDIF
   llsync = .FALSE.
   IF( COMMAND_ARGUMENT_COUNT() >= 4 ) THEN
      CALL GET_COMMAND_ARGUMENT( 4, clarg )   ;   llsync = TRIM(clarg) == 'sync'
   ENDIF

   ! a 100 x 100 x 100 global grid without halos, split over the ranks
   ALLOCATE( ijpi(isize), ijpj(isize), iimpp(isize), ijmpp(isize) )
   CALL decomp_bestpartition( isize, jpglo, jpglo, 0, jpni, jpnj )
   CALL decomp_basesplit( jpglo, jpglo, 0, jpni, jpnj, ijpi, ijpj, iimpp, ijmpp )
   sgrid = nemoml_grid( ijpi(irank+1), ijpj(irank+1), jpk, jpglo, jpglo, iimpp(irank+1),     &
      &                 ijmpp(irank+1), 0, 1, ijpi(irank+1), 1, ijpj(irank+1) )
   ALLOCATE( zmask(sgrid%jpi,sgrid%jpj,jpk), zxg(sgrid%jpi,sgrid%jpj,jpk), zyg(sgrid%jpi,sgrid%jpj,jpk) )
   ALLOCATE( zx3(10,10,10), zy3(10,10,10), zx6(jpglo,jpglo,jpk), zy6(jpglo,jpglo,jpk) )
   zmask(:,:,:) = 1._dp   ;   zxg(:,:,:) = 1._dp
   CALL RANDOM_NUMBER( zx3 )   ;   CALL RANDOM_NUMBER( zx6 )

   CALL nemoml_boot( istat )
   IF( istat /= 0 )   WRITE(*,'(a,i0,a)') 'nemoml_bench: boot failed on rank ', irank, ': '//nemoml_error()
   ! boot is local: agree its status, or a failed rank stops alone while the others wait in init
   CALL mpi_allreduce( MPI_IN_PLACE, istat, 1, MPI_INTEGER, MPI_MAX, icomm, ierr )
   CALL check( 'boot' )
   CALL nemoml_init( icomm, sgrid, [ nemoml_field_of('tmask', zmask, 'T', nemoml_in) ],   &
      &              'nn_nemoml_threads = 1', istat )                 ;   CALL check( 'init' )
   CALL nemoml_model_load( 'identity', TRIM(cldir)//'/identity.pt', iid, istat )   ;   CALL check( 'load' )
   CALL nemoml_model_load( 'conv', TRIM(cldir)//'/conv.pt', iconv, istat )         ;   CALL check( 'load' )

   DO jb = 1, inbatch
      IF( llsync .AND. irank == 0 )   READ(*,'(a)',iostat=ios) clarg   ! the caller's turn is over
      IF( llsync )   CALL mpi_barrier( icomm, ierr )
      CALL SYSTEM_CLOCK( iclk0, irate )
      CALL time_ping( 'ping', 20 * inrep )
      CALL time_forward( 'identity_1e3', iid, nemoml_local, zx3, zy3, inrep )
      CALL time_forward( 'conv_1e3', iconv, nemoml_local, zx3, zy3, inrep )
      CALL time_forward( 'identity_1e6', iid, nemoml_local, zx6, zy6, MAX( 2, inrep / 200 ) )
      CALL time_forward( 'conv_1e6', iconv, nemoml_local, zx6, zy6, MAX( 2, inrep / 500 ) )
      IF( isize > 1 ) THEN
         CALL time_forward( 'identity_global_1e6', iid, nemoml_global, zxg, zyg, MAX( 2, inrep / 200 ) )
         CALL time_forward( 'identity_local_part_1e6', iid, nemoml_local, zxg, zyg, MAX( 2, inrep / 200 ) )
      ENDIF
      CALL SYSTEM_CLOCK( iclk1 )
      IF( irank == 0 )   WRITE(*,'(a,i0,2(1x,f0.6))') 'BATCH ', jb, REAL(iclk0, dp) / irate,   &
         &                                          REAL(iclk1, dp) / irate
      IF( irank == 0 )   FLUSH(6)
   END DO

   CALL nemoml_finalize( istat )
   CALL mpi_finalize( ierr )

CONTAINS

   SUBROUTINE time_ping( cdname, kn )
      CHARACTER(len=*), INTENT(in) :: cdname
      INTEGER, INTENT(in) :: kn
      INTEGER :: jn
      REAL(dp) :: zt0
      zt0 = mpi_wtime()
      DO jn = 1, kn
         CALL nemoml_ping( istat )
      END DO
      IF( irank == 0 )   WRITE(*,'(a,a,1x,es14.6)') 'TIME ', cdname, ( mpi_wtime() - zt0 ) / kn
   END SUBROUTINE time_ping

   SUBROUTINE time_forward( cdname, khandle, kmode, px, py, kn )
      !! descriptors are built inside the loop: that is what a host does at every call
      CHARACTER(len=*), INTENT(in) :: cdname
      INTEGER, INTENT(in) :: khandle, kmode, kn
      REAL(dp), TARGET, INTENT(inout) :: px(:,:,:), py(:,:,:)
      INTEGER :: jn
      REAL(dp) :: zt0
      CALL mpi_barrier( icomm, ierr )
      zt0 = mpi_wtime()
      DO jn = 1, kn
         CALL nemoml_forward( khandle, kmode, [ nemoml_field_of('x', px, 'T', nemoml_in) ],   &
            &                 [ nemoml_field_of('y', py, 'T', nemoml_out) ], istat )
      END DO
      zt0 = ( mpi_wtime() - zt0 ) / kn
      CALL check( cdname )
      IF( irank == 0 )   WRITE(*,'(a,a,1x,es14.6)') 'TIME ', cdname, zt0
   END SUBROUTINE time_forward

   SUBROUTINE check( cdwhat )
      CHARACTER(len=*), INTENT(in) :: cdwhat
      IF( istat == 0 )   RETURN
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_bench: '//cdwhat//' failed: '//nemoml_error()
      CALL mpi_finalize( ierr )
      ERROR STOP 2
   END SUBROUTINE check

END PROGRAM nemoml_bench
