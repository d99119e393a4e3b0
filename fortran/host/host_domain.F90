MODULE host_domain
   !!======================================================================
   !!                     ***  MODULE host_domain  ***
   !! Stand-in host: NEMO-like namelists, decomposition, masks and fields
   !!======================================================================
   !! A closed basin (walls on the outer rows/columns, as GYRE; rn_land > 0 adds a continent in the
   !! south-west corner, whose land-only subdomains ln_landelim removes) with a varying bottom level, and
   !! integer-valued fields so every check and every global sum is exact in float64.
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding, ONLY: c_double
   USE nemoml_decomp
   USE nemoml_nam      ! &namnemoml, shared with NEMO
   IMPLICIT NONE
   PUBLIC

   INTEGER, PARAMETER :: dp = c_double
   ! &namhost: the host itself
   INTEGER :: nn_ni0glo = 32, nn_nj0glo = 22, nn_jpk = 31   ! global grid (GYRE at nn_GYRE=1)
   INTEGER :: nn_hls = 2                                    ! halo width (NEMO 5.0 default)
   INTEGER :: nn_jpni = 0, nn_jpnj = 0                      ! 0: automatic partition
   LOGICAL :: ln_landelim = .FALSE.                         ! remove land-only subdomains (as NEMO)
   REAL(dp) :: rn_land = 0._dp                              ! analytic continent: x + y < rn_land (0..1 axes)
   LOGICAL :: ln_selftest = .TRUE.                          ! bridge checks with the test models
   INTEGER :: nn_fault = 0                                  ! fault injected (tests of errors)
   CHARACTER(len=512) :: cn_modeldir = '.'                  ! selftest models (nemoml selftest)
   CHARACTER(len=512) :: cn_meshmask = ''                   ! NEMO mesh_mask.nc ('': analytic basin)
   CHARACTER(len=512) :: cn_restart = ''                    ! initial state file ('': analytic)
   INTEGER :: nn_mask = 0                                   ! analytic mask: 0 closed basin, 1 all ocean
   REAL(dp) :: rn_dx = 1._dp, rn_dy = 1._dp                 ! analytic grid: glamt, gphit spacing

   INTEGER :: narea, nproc, jpni, jpnj, nland             ! nland: land-only subdomains removed
   INTEGER :: jpi, jpj, jpk, nimpp, njmpp, nis0, nie0, njs0, nje0

CONTAINS

   SUBROUTINE host_read_namelists( cdfile, kstat, cdmsg )
      !! &namhost from the file, &namnemoml as NEMO reads it: the file as one text, comments out;
      !! on failure cdmsg says what could not be read (for &namnemoml: which key)
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(out) :: kstat
      CHARACTER(len=*), INTENT(out), OPTIONAL :: cdmsg
      INTEGER :: inum, ic
      CHARACTER(len=1024) :: cline
      CHARACTER(len=512) :: clmsg
      CHARACTER(len=:), ALLOCATABLE :: ctext
      NAMELIST/namhost/ nn_ni0glo, nn_nj0glo, nn_jpk, nn_hls, nn_jpni, nn_jpnj, ln_selftest, nn_fault, &
         &              cn_modeldir, cn_meshmask, cn_restart, nn_mask, rn_dx, rn_dy, ln_landelim, rn_land
      clmsg = ''
      IF( PRESENT(cdmsg) )   cdmsg = ''
      OPEN( newunit=inum, file=cdfile, status='old', action='read', iostat=kstat, iomsg=clmsg )
      IF( kstat == 0 )   READ( inum, namhost, iostat=kstat, iomsg=clmsg )
      IF( kstat /= 0 ) THEN
         IF( PRESENT(cdmsg) )   cdmsg = '&namhost: '//TRIM(clmsg)
         CLOSE( inum, iostat=ic )   ;   RETURN
      ENDIF
      REWIND( inum )
      ctext = ''
      DO
         READ( inum, '(a)', iostat=ic ) cline
         IF( ic /= 0 )   EXIT
         ic = INDEX( cline, '!' )
         IF( ic > 0 )   cline(ic:) = ' '
         IF( LEN_TRIM(cline) > 0 )   ctext = ctext//TRIM(cline)//' '
      END DO
      CLOSE( inum )
      CALL nemoml_nam_read( ctext, kstat, clmsg )
      IF( kstat < 0 )   kstat = 0                             ! block absent: plugin defaults (off)
      IF( kstat /= 0 .AND. PRESENT(cdmsg) )   cdmsg = clmsg
      IF( kstat /= 0 )   RETURN
      CALL nemoml_nam_eos_read( ctext, kstat )                ! &nameos as NEMO's eos_init
      IF( kstat < 0 )   kstat = 0                             ! absent: the bridge is not told
   END SUBROUTINE host_read_namelists

   SUBROUTINE host_decompose( krank, knproc, kocean, kstat )
      !! this rank's subdomain, as NEMO's mpp_init; with ln_landelim the land-only subdomains
      !! (no ocean point of kocean, the global surface tmask, inside) get no rank
      INTEGER, INTENT(in ) :: krank, knproc
      INTEGER, INTENT(in ) :: kocean(:,:)
      INTEGER, INTENT(out) :: kstat
      INTEGER, ALLOCATABLE :: ijpi(:), ijpj(:), iimpp(:), ijmpp(:), iocean(:)
      INTEGER :: jn, ik, inocean
      narea = krank + 1   ;   nproc = knproc   ;   kstat = 0   ;   nland = 0
      IF( nn_jpni > 0 .AND. nn_jpnj > 0 ) THEN
         jpni = nn_jpni   ;   jpnj = nn_jpnj
      ELSE IF( ln_landelim ) THEN
         CALL decomp_bestpartition_land( knproc, nn_ni0glo, nn_nj0glo, nn_hls, kocean, jpni, jpnj )
      ELSE
         CALL decomp_bestpartition( knproc, nn_ni0glo, nn_nj0glo, nn_hls, jpni, jpnj )
      ENDIF
      IF( jpni < 1 .OR. jpnj < 1 ) THEN
         kstat = 1   ;   RETURN
      ENDIF
      ALLOCATE( ijpi(jpni*jpnj), ijpj(jpni*jpnj), iimpp(jpni*jpnj), ijmpp(jpni*jpnj), iocean(jpni*jpnj) )
      CALL decomp_basesplit( nn_ni0glo, nn_nj0glo, nn_hls, jpni, jpnj, ijpi, ijpj, iimpp, ijmpp )
      iocean(:) = 1   ;   inocean = jpni * jpnj
      IF( ln_landelim )   CALL decomp_ocean( nn_ni0glo, nn_nj0glo, nn_hls, jpni, jpnj, kocean, iocean, inocean )
      IF( inocean /= knproc ) THEN
         kstat = 1   ;   RETURN
      ENDIF
      nland = jpni * jpnj - inocean
      ik = 0                                 ! narea-th ocean subdomain, i fastest
      DO jn = 1, jpni * jpnj
         IF( iocean(jn) == 1 )   ik = ik + 1
         IF( ik == narea ) EXIT
      END DO
      jpi = ijpi(jn)   ;   jpj = ijpj(jn)   ;   jpk = nn_jpk
      nimpp = iimpp(jn)   ;   njmpp = ijmpp(jn)
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
      IF( ig < 1 .OR. ig > nn_ni0glo .OR. jg < 1 .OR. jg > nn_nj0glo )   RETURN
      IF( nn_mask == 1 ) THEN
         tmask_g = 1._dp   ;   RETURN
      ENDIF
      IF( ig == 1 .OR. ig == nn_ni0glo .OR. jg == 1 .OR. jg == nn_nj0glo )   RETURN
      IF( REAL( ig - 1, dp ) / MAX( nn_ni0glo - 1, 1 ) + REAL( jg - 1, dp ) / MAX( nn_nj0glo - 1, 1 ) < rn_land )   RETURN
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
