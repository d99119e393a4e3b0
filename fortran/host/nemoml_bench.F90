PROGRAM nemoml_bench
   !!======================================================================
   !!                     ***  PROGRAM nemoml_bench  ***
   !! Times the round trip Fortran -> C -> Python -> model -> back (nemoml bench bridge)
   !!======================================================================
   !! usage: mpirun -n N nemoml_bench MODELDIR NREP
   !! On every rank count: per-call time of an empty call and, for the identity and conv test
   !! models, of a per-rank forward on 1e3 and 1e6 points. With N > 1 also a global forward
   !! (gather + model on rank 0 + scatter) of a 1e6-point field. Rank 0 prints
   !! "TIME name seconds_per_call", the best of 5 batches of NREP (fewer for big fields) calls.
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding, ONLY: c_double
   USE mpi
   USE nemoml
   USE nemoml_decomp
   IMPLICIT NONE
   INTEGER, PARAMETER :: dp = c_double, jpglo = 100, jpk = 100
   INTEGER  :: icomm, irank, isize, ierr, istat, inrep, jpni, jpnj
   INTEGER  :: iid, iconv
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

   CALL nemoml_boot( istat )                                          ;   CALL check( 'boot' )
   CALL nemoml_init( icomm, sgrid, [ nemoml_field_of('tmask', zmask, 'T', nemoml_in) ],   &
      &              'nn_nemoml_threads = 1', istat )                 ;   CALL check( 'init' )
   CALL nemoml_model_load( 'identity', TRIM(cldir)//'/identity.pt', iid, istat )   ;   CALL check( 'load' )
   CALL nemoml_model_load( 'conv', TRIM(cldir)//'/conv.pt', iconv, istat )         ;   CALL check( 'load' )

   CALL time_ping( 'ping', 20 * inrep )
   CALL time_forward( 'identity_1e3', iid, nemoml_local, zx3, zy3, inrep )
   CALL time_forward( 'conv_1e3', iconv, nemoml_local, zx3, zy3, inrep )
   CALL time_forward( 'identity_1e6', iid, nemoml_local, zx6, zy6, MAX( 2, inrep / 200 ) )
   CALL time_forward( 'conv_1e6', iconv, nemoml_local, zx6, zy6, MAX( 2, inrep / 500 ) )
   IF( isize > 1 ) THEN
      CALL time_forward( 'identity_global_1e6', iid, nemoml_global, zxg, zyg, MAX( 2, inrep / 200 ) )
      CALL time_forward( 'identity_local_part_1e6', iid, nemoml_local, zxg, zyg, MAX( 2, inrep / 200 ) )
   ENDIF

   CALL nemoml_finalize( istat )
   CALL mpi_finalize( ierr )

CONTAINS

   SUBROUTINE time_ping( cdname, kn )
      CHARACTER(len=*), INTENT(in) :: cdname
      INTEGER, INTENT(in) :: kn
      INTEGER :: jb, jn
      REAL(dp) :: zt0, zbest
      zbest = HUGE(1._dp)
      DO jb = 1, 5
         zt0 = mpi_wtime()
         DO jn = 1, kn
            CALL nemoml_ping( istat )
         END DO
         zbest = MIN( zbest, ( mpi_wtime() - zt0 ) / kn )
      END DO
      IF( irank == 0 )   WRITE(*,'(a,a,1x,es14.6)') 'TIME ', cdname, zbest
   END SUBROUTINE time_ping

   SUBROUTINE time_forward( cdname, khandle, kmode, px, py, kn )
      !! descriptors are built inside the loop: that is what a host does at every call
      CHARACTER(len=*), INTENT(in) :: cdname
      INTEGER, INTENT(in) :: khandle, kmode, kn
      REAL(dp), TARGET, INTENT(inout) :: px(:,:,:), py(:,:,:)
      INTEGER :: jb, jn
      REAL(dp) :: zt0, zbest
      zbest = HUGE(1._dp)
      DO jb = 1, 5
         CALL mpi_barrier( icomm, ierr )
         zt0 = mpi_wtime()
         DO jn = 1, kn
            CALL nemoml_forward( khandle, kmode, [ nemoml_field_of('x', px, 'T', nemoml_in) ],   &
               &                 [ nemoml_field_of('y', py, 'T', nemoml_out) ], istat )
         END DO
         zbest = MIN( zbest, ( mpi_wtime() - zt0 ) / kn )
      END DO
      CALL check( cdname )
      IF( irank == 0 )   WRITE(*,'(a,a,1x,es14.6)') 'TIME ', cdname, zbest
   END SUBROUTINE time_forward

   SUBROUTINE check( cdwhat )
      CHARACTER(len=*), INTENT(in) :: cdwhat
      IF( istat == 0 )   RETURN
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_bench: '//cdwhat//' failed: '//nemoml_error()
      CALL mpi_finalize( ierr )
      ERROR STOP 2
   END SUBROUTINE check

END PROGRAM nemoml_bench
