MODULE host_domain
   !!======================================================================
   !!                     ***  MODULE host_domain  ***
   !! Stand-in host: NEMO-like namelists, decomposition, masks and fields
   !!======================================================================
   !! A closed basin (walls on the outer rows/columns, as GYRE) with a varying bottom level, and
   !! integer-valued fields so every check and every global sum is exact in float64.
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding, ONLY: c_double
   USE nemoml_decomp
   IMPLICIT NONE
   PUBLIC

   INTEGER, PARAMETER :: dp = c_double
   ! &namhost: the host itself
   INTEGER :: nn_ni0glo = 32, nn_nj0glo = 22, nn_jpk = 31   ! global grid (GYRE at nn_GYRE=1)
   INTEGER :: nn_hls = 2                                    ! halo width (NEMO 5.0 default)
   INTEGER :: nn_jpni = 0, nn_jpnj = 0                      ! 0: automatic partition
   LOGICAL :: ln_selftest = .TRUE.                          ! bridge checks with the test models
   INTEGER :: nn_fault = 0                                  ! fault injected (tests of errors)
   CHARACTER(len=512) :: cn_modeldir = '.'                  ! selftest models (nemoml selftest)
   ! &namnemoml: the plugin's settings, passed on as "key = value" lines
   INTEGER            :: nn_nemoml_threads = 1
   CHARACTER(len=1024):: cn_nemoml_models = ''
   CHARACTER(len=256) :: cn_nemoml_istate = '', cn_nemoml_increments = ''
   LOGICAL            :: ln_nemoml_check_land = .TRUE.

   INTEGER :: narea, nproc, jpni, jpnj
   INTEGER :: jpi, jpj, jpk, nimpp, njmpp, nis0, nie0, njs0, nje0

CONTAINS

   SUBROUTINE host_read_namelists( cdfile, kstat )
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(out) :: kstat
      INTEGER :: inum
      NAMELIST/namhost/ nn_ni0glo, nn_nj0glo, nn_jpk, nn_hls, nn_jpni, nn_jpnj, ln_selftest, nn_fault, &
         &             cn_modeldir
      NAMELIST/namnemoml/ nn_nemoml_threads, cn_nemoml_models, cn_nemoml_istate,     &
         &                cn_nemoml_increments, ln_nemoml_check_land
      OPEN( newunit=inum, file=cdfile, status='old', action='read', iostat=kstat )
      IF( kstat /= 0 )   RETURN
      READ( inum, namhost, iostat=kstat )
      IF( kstat == 0 ) THEN
         REWIND( inum )
         READ( inum, namnemoml, iostat=kstat )
      ENDIF
      CLOSE( inum )
   END SUBROUTINE host_read_namelists

   FUNCTION host_settings() RESULT( cdset )
      !! &namnemoml as the settings text of nemoml_init
      CHARACTER(len=:), ALLOCATABLE :: cdset
      CHARACTER(len=16) :: cl
      CHARACTER(len=1), PARAMETER :: nl = NEW_LINE('a')
      WRITE(cl,'(i0)') nn_nemoml_threads
      cdset = 'nn_nemoml_threads = '//TRIM(cl)//nl//                          &
         &    "cn_nemoml_models = '"//TRIM(cn_nemoml_models)//"'"//nl//        &
         &    "cn_nemoml_istate = '"//TRIM(cn_nemoml_istate)//"'"//nl//        &
         &    "cn_nemoml_increments = '"//TRIM(cn_nemoml_increments)//"'"//nl
      IF( ln_nemoml_check_land ) THEN ; cdset = cdset//'ln_nemoml_check_land = .true.'
      ELSE                            ; cdset = cdset//'ln_nemoml_check_land = .false.'
      ENDIF
   END FUNCTION host_settings

   SUBROUTINE host_decompose( krank, knproc, kstat )
      !! this rank's subdomain, as NEMO's mpp_init without land-domain removal
      INTEGER, INTENT(in ) :: krank, knproc
      INTEGER, INTENT(out) :: kstat
      INTEGER, ALLOCATABLE :: ijpi(:), ijpj(:), iimpp(:), ijmpp(:)
      narea = krank + 1   ;   nproc = knproc   ;   kstat = 0
      IF( nn_jpni > 0 .AND. nn_jpnj > 0 ) THEN
         jpni = nn_jpni   ;   jpnj = nn_jpnj
      ELSE
         CALL decomp_bestpartition( knproc, nn_ni0glo, nn_nj0glo, nn_hls, jpni, jpnj )
      ENDIF
      IF( jpni * jpnj /= knproc .OR. jpni < 1 ) THEN
         kstat = 1   ;   RETURN
      ENDIF
      ALLOCATE( ijpi(knproc), ijpj(knproc), iimpp(knproc), ijmpp(knproc) )
      CALL decomp_basesplit( nn_ni0glo, nn_nj0glo, nn_hls, jpni, jpnj, ijpi, ijpj, iimpp, ijmpp )
      jpi = ijpi(narea)   ;   jpj = ijpj(narea)   ;   jpk = nn_jpk
      nimpp = iimpp(narea)   ;   njmpp = ijmpp(narea)
      nis0 = 1 + nn_hls   ;   nie0 = jpi - nn_hls
      njs0 = 1 + nn_hls   ;   nje0 = jpj - nn_hls
   END SUBROUTINE host_decompose

   INTEGER FUNCTION mig( ji )   ! local i -> global no-halo i (may fall outside 1..Ni0glo)
      INTEGER, INTENT(in) :: ji
      mig = ji + nimpp - 1 - nn_hls
   END FUNCTION mig

   INTEGER FUNCTION mjg( jj )
      INTEGER, INTENT(in) :: jj
      mjg = jj + njmpp - 1 - nn_hls
   END FUNCTION mjg

   LOGICAL FUNCTION inside( ig, jg )
      INTEGER, INTENT(in) :: ig, jg
      inside = ig >= 1 .AND. ig <= nn_ni0glo .AND. jg >= 1 .AND. jg <= nn_nj0glo
   END FUNCTION inside

   REAL(dp) FUNCTION tmask_g( ig, jg, jk )
      !! closed basin, bottom level varying with position; level jpk is always land
      INTEGER, INTENT(in) :: ig, jg, jk
      tmask_g = 0._dp
      IF( ig <= 1 .OR. ig >= nn_ni0glo .OR. jg <= 1 .OR. jg >= nn_nj0glo )   RETURN
      IF( jk > nn_jpk - 1 - MOD( ig + 2*jg, 4 ) )   RETURN
      tmask_g = 1._dp
   END FUNCTION tmask_g

   REAL(dp) FUNCTION mask_g( cdgrid, ig, jg, jk )
      CHARACTER(len=1), INTENT(in) :: cdgrid
      INTEGER, INTENT(in) :: ig, jg, jk
      SELECT CASE( cdgrid )
      CASE( 'U' )   ;   mask_g = tmask_g( ig, jg, jk ) * tmask_g( ig+1, jg, jk )
      CASE( 'V' )   ;   mask_g = tmask_g( ig, jg, jk ) * tmask_g( ig, jg+1, jk )
      CASE DEFAULT  ;   mask_g = tmask_g( ig, jg, jk )
      END SELECT
   END FUNCTION mask_g

   REAL(dp) FUNCTION fval( kvar, ig, jg, jk )
      !! unmasked integer-valued field number kvar (1 tn, 2 sn, 3 un, 4 vn, 5 sshn)
      INTEGER, INTENT(in) :: kvar, ig, jg, jk
      fval = REAL( MOD( 7*ig + 13*jg + 3*jk + 5*kvar, 41 ) + 1, dp )
   END FUNCTION fval

   SUBROUTINE fill_mask( cdgrid, pmask )
      CHARACTER(len=1), INTENT(in ) :: cdgrid
      REAL(dp)        , INTENT(out) :: pmask(:,:,:)
      INTEGER :: ji, jj, jk
      DO jk = 1, jpk ; DO jj = 1, jpj ; DO ji = 1, jpi
         pmask(ji,jj,jk) = mask_g( cdgrid, mig(ji), mjg(jj), jk )
      END DO ; END DO ; END DO
   END SUBROUTINE fill_mask

   SUBROUTINE fill_field( kvar, cdgrid, pf )
      !! masked analytic field, halos included (what NEMO holds after lbc_lnk)
      INTEGER         , INTENT(in ) :: kvar
      CHARACTER(len=1), INTENT(in ) :: cdgrid
      REAL(dp)        , INTENT(out) :: pf(:,:,:)
      INTEGER :: ji, jj, jk
      DO jk = 1, SIZE(pf,3) ; DO jj = 1, jpj ; DO ji = 1, jpi
         pf(ji,jj,jk) = fval( kvar, mig(ji), mjg(jj), jk ) * mask_g( cdgrid, mig(ji), mjg(jj), jk )
      END DO ; END DO ; END DO
   END SUBROUTINE fill_field

END MODULE host_domain
