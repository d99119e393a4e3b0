PROGRAM nemoml_host
   !!======================================================================
   !!                     ***  PROGRAM nemoml_host  ***
   !! Stand-in for NEMO: calls the nemoml API in NEMO's order and checks what comes back
   !!======================================================================
   !! usage: mpirun -n N nemoml_host [namelist]      (default namelist: namelist_cfg)
   !! Order as nemo_init: MPI, namelists, mpp_init, masks (dom_init), plugin init, istate_init,
   !! asm_inc_init, then finalize before MPI_Finalize. Rank 0 prints CHECK and CHECKSUM lines;
   !! the exit status is 0 when all checks pass, 1 when one fails, 2 when nemoml reports an error.
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: ieee_arithmetic, ONLY: ieee_value, ieee_quiet_nan
   USE, INTRINSIC :: iso_c_binding, ONLY: c_float
   USE mpi
   USE nemoml
   USE host_domain
   USE host_io
   IMPLICIT NONE

   REAL(dp), PARAMETER :: rsentinel = -7._dp     ! outside the global domain: must stay untouched
   INTEGER  :: icomm, irank, isize, ierr, istat, nfail
   INTEGER  :: ji, jj, jk, ig, jg
   CHARACTER(len=512) :: cl_nml, cl_msg
   TYPE(nemoml_grid) :: sgrid
   REAL(dp), ALLOCATABLE, TARGET :: tmask(:,:,:), umask(:,:,:), vmask(:,:,:), gdept_1d(:), e3t_1d(:)
   REAL(dp), ALLOCATABLE, TARGET :: glamt(:,:), gphit(:,:)
   REAL(dp), ALLOCATABLE, TARGET :: tn(:,:,:), sn(:,:,:), un(:,:,:), vn(:,:,:), sshn(:,:)
   REAL(dp), ALLOCATABLE, TARGET :: zout(:,:,:), zexp(:,:,:), zinc(:,:,:,:), zsshinc(:,:)
   REAL(c_float), ALLOCATABLE, TARGET :: sn_sp(:,:,:)
   INTEGER, ALLOCATABLE :: iocean(:,:)                   ! global surface ocean mask (land removal)

   CALL mpi_init( ierr )
   CALL mpi_comm_dup( MPI_COMM_WORLD, icomm, ierr )       ! NEMO works on its own mpi_comm_oce
   CALL mpi_comm_rank( icomm, irank, ierr )
   CALL mpi_comm_size( icomm, isize, ierr )
   nfail = 0

   cl_nml = 'namelist_cfg'
   IF( COMMAND_ARGUMENT_COUNT() >= 1 )   CALL GET_COMMAND_ARGUMENT( 1, cl_nml )
   CALL host_read_namelists( TRIM(cl_nml), istat, cl_msg )
   IF( istat /= 0 )   CALL host_stop( 'cannot read '//TRIM(cl_nml)//': '//TRIM(cl_msg), 3 )
   IF( LEN_TRIM(cn_meshmask) > 0 ) THEN                  ! the grid of a real NEMO configuration
      CALL io_dims( TRIM(cn_meshmask), nn_ni0glo, nn_nj0glo, nn_jpk, istat )
      IF( istat /= 0 )   CALL host_stop( 'cannot read the x, y, nav_lev sizes of '//TRIM(cn_meshmask), 3 )
   ENDIF
   ALLOCATE( iocean(nn_ni0glo,nn_nj0glo) )
   iocean(:,:) = 1
   IF( ln_landelim .AND. LEN_TRIM(cn_meshmask) > 0 ) THEN
      CALL io_read_ocean( TRIM(cn_meshmask), iocean, istat )   ;   CALL check_io( 'tmask' )
   ELSE IF( ln_landelim ) THEN
      DO jj = 1, nn_nj0glo ; DO ji = 1, nn_ni0glo
         iocean(ji,jj) = NINT( tmask_g( ji, jj, 1 ) )
      END DO ; END DO
   ENDIF
   CALL host_decompose( irank, isize, iocean, istat )
   DEALLOCATE( iocean )
   IF( istat /= 0 )   CALL host_stop( 'no jpni x jpnj decomposition matches the number of ranks', 3 )
   IF( irank == 0 )   WRITE(*,'(a,7(1x,i0))') 'LAYOUT', jpni, jpnj, nn_ni0glo, nn_nj0glo, jpk, nn_hls, nland

   ALLOCATE( tmask(jpi,jpj,jpk), umask(jpi,jpj,jpk), vmask(jpi,jpj,jpk), gdept_1d(jpk), e3t_1d(jpk) )
   ALLOCATE( glamt(jpi,jpj), gphit(jpi,jpj) )
   ALLOCATE( tn(jpi,jpj,jpk), sn(jpi,jpj,jpk), un(jpi,jpj,jpk), vn(jpi,jpj,jpk), sshn(jpi,jpj) )
   ALLOCATE( zout(jpi,jpj,jpk), zexp(jpi,jpj,jpk), zinc(jpi,jpj,jpk,4), zsshinc(jpi,jpj) )
   IF( LEN_TRIM(cn_meshmask) > 0 ) THEN
      CALL io_read( TRIM(cn_meshmask), 'tmask', tmask, istat )   ;   CALL check_io( 'tmask' )
      CALL io_read( TRIM(cn_meshmask), 'umask', umask, istat )   ;   CALL check_io( 'umask' )
      CALL io_read( TRIM(cn_meshmask), 'vmask', vmask, istat )   ;   CALL check_io( 'vmask' )
      CALL io_read( TRIM(cn_meshmask), 'gdept_1d', gdept_1d, istat )   ;   CALL check_io( 'gdept_1d' )
      CALL io_read( TRIM(cn_meshmask), 'e3t_1d', e3t_1d, istat )       ;   CALL check_io( 'e3t_1d' )
      CALL io_read( TRIM(cn_meshmask), 'glamt', glamt, istat )         ;   CALL check_io( 'glamt' )
      CALL io_read( TRIM(cn_meshmask), 'gphit', gphit, istat )         ;   CALL check_io( 'gphit' )
   ELSE
      CALL fill_mask( 'T', tmask )   ;   CALL fill_mask( 'U', umask )   ;   CALL fill_mask( 'V', vmask )
      DO jk = 1, jpk
         e3t_1d(jk) = 10._dp * jk   ;   gdept_1d(jk) = 5._dp * jk * jk
      END DO
      DO jj = 1, jpj ; DO ji = 1, jpi
         glamt(ji,jj) = rn_dx * ( mig(ji) - 0.5_dp )   ;   gphit(ji,jj) = rn_dy * ( mjg(jj) - 0.5_dp )
      END DO ; END DO
   ENDIF
   CALL fill_states()
   IF( .NOT. ln_nemoml ) THEN                            ! as NEMO: the plugin is off
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_host: ln_nemoml = .false., nothing to do'
      CALL mpi_finalize( ierr )
      STOP
   ENDIF

   ! ---- plugin init (nemogcm, after dom_init) ----
   CALL nemoml_boot( istat )
   CALL agree_boot( istat )
   sgrid = nemoml_grid( jpi, jpj, jpk, nn_ni0glo, nn_nj0glo, nimpp, njmpp, nn_hls,   &
      &                 nis0, nie0, njs0, nje0 )
   IF( nn_fault == 5 ) THEN       ! a mask that does not match the grid
      CALL nemoml_init( icomm, sgrid, [ nemoml_field_of('tmask', tmask, 'T', nemoml_in),             &
         &   nemoml_field_of('umask', umask(:,:,1:jpk-1), 'U', nemoml_in) ],     &
         &   nemoml_nam_settings() // nemoml_nam_eos(), istat )
   ELSE
      CALL nemoml_init( icomm, sgrid, [ nemoml_field_of('tmask', tmask, 'T', nemoml_in),             &
         &   nemoml_field_of('umask', umask, 'U', nemoml_in), nemoml_field_of('vmask', vmask, 'V', nemoml_in), &
         &   nemoml_field_of('gdept_1d', gdept_1d, 'Z', nemoml_in),                                   &
         &   nemoml_field_of('e3t_1d', e3t_1d, 'Z', nemoml_in), nemoml_field_of('glamt', glamt, 'T', nemoml_in), &
         &   nemoml_field_of('gphit', gphit, 'T', nemoml_in) ],     &
         &   nemoml_nam_settings() // nemoml_nam_eos(), istat )
   ENDIF
   CALL check_status( 'nemoml_init', istat )

   IF( ln_selftest )   CALL selftest_forward()

   ! ---- istate_init ----
   IF( ln_nemoml_istate )   CALL run_istate()
   ! ---- asm_inc_init ----
   IF( ln_nemoml_asm )   CALL run_increments()

   CALL nemoml_finalize( istat )
   CALL check_status( 'nemoml_finalize', istat )
   IF( irank == 0 )   WRITE(*,'(a,i0,a)') 'nemoml_host: done, ', nfail, ' check(s) failed'
   CALL mpi_finalize( ierr )
   IF( nfail > 0 )   ERROR STOP 1

CONTAINS

   SUBROUTINE fill_states()
      !! the initial state: a restart file (as NEMO's ln_rstart) or the analytic fields
      IF( LEN_TRIM(cn_restart) > 0 ) THEN
         CALL io_read( TRIM(cn_restart), 'tn', tn, istat )   ;   CALL check_io( 'tn' )
         CALL io_read( TRIM(cn_restart), 'sn', sn, istat )   ;   CALL check_io( 'sn' )
         CALL io_read( TRIM(cn_restart), 'un', un, istat )   ;   CALL check_io( 'un' )
         CALL io_read( TRIM(cn_restart), 'vn', vn, istat )   ;   CALL check_io( 'vn' )
         CALL io_read( TRIM(cn_restart), 'sshn', sshn, istat )   ;   CALL check_io( 'sshn' )
         RETURN
      ENDIF
      CALL fill_field( 1, 'T', tn )   ;   CALL fill_field( 2, 'T', sn )
      CALL fill_field( 3, 'U', un )   ;   CALL fill_field( 4, 'V', vn )
      DO jj = 1, jpj ; DO ji = 1, jpi
         sshn(ji,jj) = fval( 5, mig(ji), mjg(jj), 0 ) * tmask(ji,jj,1)
      END DO ; END DO
   END SUBROUTINE fill_states

   SUBROUTINE selftest_forward()
      !! generic forwards: exact round trip, per-rank model, global conv, .pt2 == TorchScript
      INTEGER :: iid, iaff, iconv, iconv2, ifaulty
      CALL load( 'identity', iid )   ;   CALL load( 'affine', iaff )   ;   CALL load( 'conv', iconv )
      CALL load( 'conv_pt2', iconv2, '.pt2' )   ;   CALL load( 'faulty', ifaulty )
      IF( nn_fault == 6 .AND. irank == isize - 1 )   tn(nis0+1,njs0+1,1) = -999._dp
      CALL forward( ifaulty, nemoml_local, tn, zout, 'faulty' )   ! raises on the marked rank only
      ! identity through gather/scatter: the field comes back exactly, halos inside the domain too
      CALL forward( iid, nemoml_global, tn, zout, 'roundtrip' )
      CALL expect_window( tn, zexp )
      CALL report( 'roundtrip_global', zout, zexp )
      ! y = 2x + 1 on each rank's own array
      CALL forward( iaff, nemoml_local, tn, zout, 'affine' )
      zexp(:,:,:) = 2._dp * tn(:,:,:) + 1._dp
      CALL report( 'model_output_local', zout, zexp )
      ! 3x3 box sum per level on the global field: needs neighbours from other ranks
      CALL forward( iconv, nemoml_global, tn, zout, 'conv' )
      CALL expect_conv( zexp )
      CALL report( 'conv_global', zout, zexp )
      CALL forward( iconv2, nemoml_global, tn, zout, 'conv_pt2' )
      CALL report( 'conv_global_pt2', zout, zexp )
   END SUBROUTINE selftest_forward

   SUBROUTINE load( cdname, khandle, cdext )
      CHARACTER(len=*), INTENT(in) :: cdname
      INTEGER, INTENT(out) :: khandle
      CHARACTER(len=*), INTENT(in), OPTIONAL :: cdext
      CHARACTER(len=8) :: clext
      clext = '.pt'
      IF( PRESENT(cdext) )   clext = cdext
      CALL nemoml_model_load( cdname, TRIM(cn_modeldir)//'/'//cdname(1:INDEX(cdname//'_','_')-1)//TRIM(clext), &
         &                    khandle, istat )
      CALL check_status( 'nemoml_model_load('//cdname//')', istat )
   END SUBROUTINE load

   SUBROUTINE forward( khandle, kmode, pin, pout, cdwhat )
      INTEGER, INTENT(in) :: khandle, kmode
      REAL(dp), TARGET, INTENT(inout) :: pin(:,:,:), pout(:,:,:)
      CHARACTER(len=*), INTENT(in) :: cdwhat
      REAL(dp), ALLOCATABLE, TARGET :: zshort(:,:,:)
      INTEGER :: imode
      LOGICAL :: llwrong                   ! faults 8-10: the last rank's global call is wrong
      pout(:,:,:) = rsentinel
      imode = kmode
      llwrong = kmode == nemoml_global .AND. irank == isize - 1
      IF( nn_fault == 7 ) THEN        ! a strided section cannot be passed zero-copy
         CALL nemoml_forward( khandle, kmode, [ nemoml_field_of('x', pin(1:jpi:2,:,:), 'T', nemoml_in) ], &
            &                 [ nemoml_field_of('y', pout, 'T', nemoml_out) ], istat )
      ELSE IF( nn_fault == 8 .AND. llwrong ) THEN   ! one row short: another jpj on one rank
         ALLOCATE( zshort(jpi,jpj-1,jpk) )   ;   zshort(:,:,:) = pin(:,1:jpj-1,:)
         CALL nemoml_forward( khandle, kmode, [ nemoml_field_of('x', zshort, 'T', nemoml_in) ],       &
            &                 [ nemoml_field_of('y', pout, 'T', nemoml_out) ], istat )
      ELSE IF( nn_fault == 9 .AND. llwrong ) THEN   ! one level on one rank, jpk on the others
         CALL nemoml_forward( khandle, kmode, [ nemoml_field_of('x', pin(:,:,1:1), 'T', nemoml_in) ], &
            &                 [ nemoml_field_of('y', pout(:,:,1:1), 'T', nemoml_out) ], istat )
      ELSE
         IF( nn_fault == 10 .AND. llwrong )   imode = nemoml_local   ! local mode on one rank
         CALL nemoml_forward( khandle, imode, [ nemoml_field_of('x', pin, 'T', nemoml_in) ],          &
            &                 [ nemoml_field_of('y', pout, 'T', nemoml_out) ], istat )
      ENDIF
      CALL check_status( 'nemoml_forward('//cdwhat//')', istat )
   END SUBROUTINE forward

   SUBROUTINE run_istate()
      !! the test model maps (T, S, U, V, SSH) to (T+1, S-1, -U, 2V, SSH+0.5), masked by the bridge
      IF( nn_fault == 1 ) THEN
         CALL nemoml_istate( 0, [ nemoml_field_of('tn', tn(:,:,1:jpk-1), 'T', nemoml_inout),        &
            &  nemoml_field_of('sn', sn, 'T', nemoml_inout), nemoml_field_of('un', un, 'U', nemoml_inout), &
            &  nemoml_field_of('vn', vn, 'V', nemoml_inout), nemoml_field_of('sshn', sshn, 'T', nemoml_inout) ], istat )
      ELSE IF( nn_fault == 2 ) THEN
         ALLOCATE( sn_sp(jpi,jpj,jpk) )   ;   sn_sp(:,:,:) = REAL(sn, c_float)
         CALL nemoml_istate( 0, [ nemoml_field_of('tn', tn, 'T', nemoml_inout),                     &
            &  nemoml_field_of('sn', sn_sp, 'T', nemoml_inout), nemoml_field_of('un', un, 'U', nemoml_inout), &
            &  nemoml_field_of('vn', vn, 'V', nemoml_inout), nemoml_field_of('sshn', sshn, 'T', nemoml_inout) ], istat )
      ELSE
         IF( nn_fault == 3 .AND. irank == isize - 1 )   tn(nis0+1,njs0+1,1) = ieee_value( 1._dp, ieee_quiet_nan )
         IF( nn_fault == 4 .AND. irank == 0 )   sn(nis0,njs0,1) = 35._dp   ! (1,1) is a wall point
         CALL nemoml_istate( 0, [ nemoml_field_of('tn', tn, 'T', nemoml_inout),                     &
            &  nemoml_field_of('sn', sn, 'T', nemoml_inout), nemoml_field_of('un', un, 'U', nemoml_inout), &
            &  nemoml_field_of('vn', vn, 'V', nemoml_inout), nemoml_field_of('sshn', sshn, 'T', nemoml_inout) ], istat )
      ENDIF
      CALL check_status( 'nemoml_istate', istat )
      IF( .NOT. ln_selftest ) THEN
         CALL summary( 'istate_tn', tn )   ;   CALL summary( 'istate_sn', sn )
         CALL summary( 'istate_un', un )   ;   CALL summary( 'istate_vn', vn )
         zout(:,:,1) = sshn   ;   CALL summary( 'istate_sshn', zout(:,:,1:1) )
         RETURN
      ENDIF
      CALL expect_state( 1, 'T', 1._dp, 1._dp, zexp )   ;   CALL report( 'istate_tn', tn, zexp )
      CALL expect_state( 2, 'T', 1._dp, -1._dp, zexp )  ;   CALL report( 'istate_sn', sn, zexp )
      CALL expect_state( 3, 'U', -1._dp, 0._dp, zexp )  ;   CALL report( 'istate_un', un, zexp )
      CALL expect_state( 4, 'V', 2._dp, 0._dp, zexp )   ;   CALL report( 'istate_vn', vn, zexp )
      zout(:,:,1) = sshn   ;   zexp(:,:,1) = 0._dp
      DO jj = 1, jpj ; DO ji = 1, jpi
         IF( inside( mig(ji), mjg(jj) ) )   zexp(ji,jj,1) = ( fval(5, mig(ji), mjg(jj), 0) + 0.5_dp ) * tmask(ji,jj,1)
      END DO ; END DO
      CALL report( 'istate_sshn', zout(:,:,1:1), zexp(:,:,1:1) )
      CALL fill_states()                       ! the increments check starts from the analytic state
   END SUBROUTINE run_istate

   SUBROUTINE run_increments()
      !! the test model returns (T/2, -S/4, V, U, 2 SSH) as (t, s, u, v, ssh)_bkginc
      zinc(:,:,:,:) = rsentinel   ;   zsshinc(:,:) = rsentinel
      CALL nemoml_increments( 0, [ nemoml_field_of('tn', tn, 'T', nemoml_in),                      &
         &  nemoml_field_of('sn', sn, 'T', nemoml_in), nemoml_field_of('un', un, 'U', nemoml_in),      &
         &  nemoml_field_of('vn', vn, 'V', nemoml_in), nemoml_field_of('sshn', sshn, 'T', nemoml_in),  &
         &  nemoml_field_of('t_bkginc', zinc(:,:,:,1), 'T', nemoml_out),                             &
         &  nemoml_field_of('s_bkginc', zinc(:,:,:,2), 'T', nemoml_out),                             &
         &  nemoml_field_of('u_bkginc', zinc(:,:,:,3), 'U', nemoml_out),                             &
         &  nemoml_field_of('v_bkginc', zinc(:,:,:,4), 'V', nemoml_out),                             &
         &  nemoml_field_of('ssh_bkginc', zsshinc, 'T', nemoml_out) ], istat )
      CALL check_status( 'nemoml_increments', istat )
      IF( .NOT. ln_selftest ) THEN
         CALL summary( 'increments_t', zinc(:,:,:,1) )   ;   CALL summary( 'increments_s', zinc(:,:,:,2) )
         CALL summary( 'increments_u', zinc(:,:,:,3) )   ;   CALL summary( 'increments_v', zinc(:,:,:,4) )
         zout(:,:,1) = zsshinc   ;   CALL summary( 'increments_ssh', zout(:,:,1:1) )
         RETURN
      ENDIF
      CALL expect_inc( 1, 'T', 'T', 0.5_dp, zexp )    ;   CALL report( 'increments_t', zinc(:,:,:,1), zexp )
      CALL expect_inc( 2, 'T', 'T', -0.25_dp, zexp )  ;   CALL report( 'increments_s', zinc(:,:,:,2), zexp )
      CALL expect_inc( 4, 'V', 'U', 1._dp, zexp )     ;   CALL report( 'increments_u', zinc(:,:,:,3), zexp )
      CALL expect_inc( 3, 'U', 'V', 1._dp, zexp )     ;   CALL report( 'increments_v', zinc(:,:,:,4), zexp )
      zexp(:,:,1) = rsentinel
      DO jj = 1, jpj ; DO ji = 1, jpi
         IF( inside( mig(ji), mjg(jj) ) )   zexp(ji,jj,1) = 2._dp * sshn(ji,jj)
      END DO ; END DO
      zout(:,:,1) = zsshinc
      CALL report( 'increments_ssh', zout(:,:,1:1), zexp(:,:,1:1) )
   END SUBROUTINE run_increments

   SUBROUTINE expect_window( pin, pexp )
      !! pin inside the global domain, the sentinel outside
      REAL(dp), INTENT(in) :: pin(:,:,:)
      REAL(dp), INTENT(out) :: pexp(:,:,:)
      DO jj = 1, jpj ; DO ji = 1, jpi
         IF( inside( mig(ji), mjg(jj) ) ) THEN ; pexp(ji,jj,:) = pin(ji,jj,:)
         ELSE                                  ; pexp(ji,jj,:) = rsentinel
         ENDIF
      END DO ; END DO
   END SUBROUTINE expect_window

   SUBROUTINE expect_conv( pexp )
      REAL(dp), INTENT(out) :: pexp(:,:,:)
      INTEGER :: ii, ij
      pexp(:,:,:) = rsentinel
      DO jk = 1, jpk ; DO jj = 1, jpj ; DO ji = 1, jpi
         ig = mig(ji)   ;   jg = mjg(jj)
         IF( .NOT. inside( ig, jg ) )   CYCLE
         pexp(ji,jj,jk) = 0._dp
         DO ij = jg-1, jg+1 ; DO ii = ig-1, ig+1
            IF( inside( ii, ij ) )   pexp(ji,jj,jk) = pexp(ji,jj,jk) + fval( 1, ii, ij, jk ) * tmask_g( ii, ij, jk )
         END DO ; END DO
      END DO ; END DO ; END DO
   END SUBROUTINE expect_conv

   SUBROUTINE expect_state( kvar, cdgrid, pscale, padd, pexp )
      !! (scale * field + add) * mask inside the domain; halos outside keep the analytic state (0)
      INTEGER, INTENT(in) :: kvar
      CHARACTER(len=1), INTENT(in) :: cdgrid
      REAL(dp), INTENT(in) :: pscale, padd
      REAL(dp), INTENT(out) :: pexp(:,:,:)
      DO jk = 1, jpk ; DO jj = 1, jpj ; DO ji = 1, jpi
         ig = mig(ji)   ;   jg = mjg(jj)
         pexp(ji,jj,jk) = 0._dp
         IF( inside( ig, jg ) )   pexp(ji,jj,jk) = ( pscale * fval( kvar, ig, jg, jk ) * mask_g( cdgrid, ig, jg, jk ) &
            &                                    + padd ) * mask_g( cdgrid, ig, jg, jk )
      END DO ; END DO ; END DO
   END SUBROUTINE expect_state

   SUBROUTINE expect_inc( kvar, cdsrc, cddst, pscale, pexp )
      !! pscale * (field kvar on grid cdsrc), masked on grid cddst; the sentinel outside
      INTEGER, INTENT(in) :: kvar
      CHARACTER(len=1), INTENT(in) :: cdsrc, cddst
      REAL(dp), INTENT(in) :: pscale
      REAL(dp), INTENT(out) :: pexp(:,:,:)
      DO jk = 1, jpk ; DO jj = 1, jpj ; DO ji = 1, jpi
         ig = mig(ji)   ;   jg = mjg(jj)
         pexp(ji,jj,jk) = rsentinel
         IF( inside( ig, jg ) )   pexp(ji,jj,jk) = pscale * fval( kvar, ig, jg, jk ) * mask_g( cdsrc, ig, jg, jk ) &
            &                                    * mask_g( cddst, ig, jg, jk )
      END DO ; END DO ; END DO
   END SUBROUTINE expect_inc

   SUBROUTINE report( cdname, pgot, pexp )
      !! CHECK line (max error over every local point, all ranks) and CHECKSUM (inner points)
      CHARACTER(len=*), INTENT(in) :: cdname
      REAL(dp), INTENT(in) :: pgot(:,:,:), pexp(:,:,:)
      REAL(dp) :: zerr, zsum, zloc(2), zglo(2)
      zloc(1) = MAXVAL( ABS( pgot - pexp ) )
      zloc(2) = SUM( pgot(nis0:nie0,njs0:nje0,:) )
      CALL mpi_allreduce( zloc(1), zglo(1), 1, MPI_DOUBLE_PRECISION, MPI_MAX, icomm, ierr )
      CALL mpi_allreduce( zloc(2), zglo(2), 1, MPI_DOUBLE_PRECISION, MPI_SUM, icomm, ierr )
      zerr = zglo(1)   ;   zsum = zglo(2)
      IF( zerr /= 0._dp )   nfail = nfail + 1
      IF( irank == 0 ) THEN
         IF( zerr == 0._dp ) THEN ; WRITE(*,'(a,a,a)') 'CHECK ', cdname, ' PASS'
         ELSE                     ; WRITE(*,'(a,a,a,es12.4)') 'CHECK ', cdname, ' FAIL max_error=', zerr
         ENDIF
         WRITE(*,'(a,a,1x,es25.17)') 'CHECKSUM ', cdname, zsum
      ENDIF
   END SUBROUTINE report

   SUBROUTINE summary( cdname, pf )
      !! STATE line (global min, max over inner points) and CHECKSUM (global sum)
      CHARACTER(len=*), INTENT(in) :: cdname
      REAL(dp), INTENT(in) :: pf(:,:,:)
      REAL(dp) :: zmin, zmax, zsum, zloc
      zloc = MINVAL( pf(nis0:nie0,njs0:nje0,:) )
      CALL mpi_allreduce( zloc, zmin, 1, MPI_DOUBLE_PRECISION, MPI_MIN, icomm, ierr )
      zloc = MAXVAL( pf(nis0:nie0,njs0:nje0,:) )
      CALL mpi_allreduce( zloc, zmax, 1, MPI_DOUBLE_PRECISION, MPI_MAX, icomm, ierr )
      zloc = SUM( pf(nis0:nie0,njs0:nje0,:) )
      CALL mpi_allreduce( zloc, zsum, 1, MPI_DOUBLE_PRECISION, MPI_SUM, icomm, ierr )
      IF( irank == 0 ) THEN
         WRITE(*,'(a,a,2(1x,es14.6))') 'STATE ', cdname, zmin, zmax
         WRITE(*,'(a,a,1x,es25.17)') 'CHECKSUM ', cdname, zsum
      ENDIF
   END SUBROUTINE summary

   SUBROUTINE check_io( cdvar )
      !! agreed over ranks, so that a read failing on one rank stops all of them
      CHARACTER(len=*), INTENT(in) :: cdvar
      INTEGER :: iany
      CALL mpi_allreduce( ABS(istat), iany, 1, MPI_INTEGER, MPI_MAX, icomm, ierr )
      IF( iany /= 0 )   CALL host_stop( 'cannot read '//cdvar//' from the mesh mask or restart file', 3 )
   END SUBROUTINE check_io

   SUBROUTINE agree_boot( kstat )
      !! nemoml_boot is local: a rank whose boot failed must not stop alone while the others go
      !! on into nemoml_init's collectives (its stop would never meet them); one allreduce, then
      !! the first failed rank says why and every rank stops together
      INTEGER, INTENT(in) :: kstat
      INTEGER :: ifirst
      ifirst = isize
      IF( kstat /= 0 )   ifirst = irank
      CALL mpi_allreduce( MPI_IN_PLACE, ifirst, 1, MPI_INTEGER, MPI_MIN, icomm, ierr )
      IF( ifirst == isize )   RETURN
      IF( irank == ifirst )   WRITE(*,'(a,i0,a)') 'nemoml_host: nemoml_boot failed on rank ', irank, &
         &                                        ': '//nemoml_error()
      FLUSH(6)
      CALL host_stop( 'nemoml_boot failed', 2 )
   END SUBROUTINE agree_boot

   SUBROUTINE check_status( cdcall, kstat )
      !! every rank gets the same status from nemoml, so every rank stops here together
      CHARACTER(len=*), INTENT(in) :: cdcall
      INTEGER, INTENT(in) :: kstat
      IF( kstat == 0 )   RETURN
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_host: '//cdcall//' failed: '//nemoml_error()
      FLUSH(6)
      CALL nemoml_finalize( istat )
      CALL host_stop( cdcall//' failed', 2 )
   END SUBROUTINE check_status

   SUBROUTINE host_stop( cdmsg, kcode )
      CHARACTER(len=*), INTENT(in) :: cdmsg
      INTEGER, INTENT(in) :: kcode
      IF( irank == 0 )   WRITE(*,'(a)') 'nemoml_host: stop: '//cdmsg
      FLUSH(6)
      ! every rank stops here; wait for all, so that no rank's error exit makes mpirun kill
      ! rank 0 before its message is out
      CALL mpi_barrier( icomm, ierr )
      CALL mpi_finalize( ierr )
      ERROR STOP kcode
   END SUBROUTINE host_stop

END PROGRAM nemoml_host
