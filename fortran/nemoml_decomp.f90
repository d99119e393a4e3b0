MODULE nemoml_decomp
   !!======================================================================
   !!                     ***  MODULE nemoml_decomp  ***
   !! NEMO-style MPI domain decomposition and halo index arithmetic
   !!======================================================================
   !! Pure integer routines used by the stand-in host. The same file is built with f2py so the
   !! tests check it against nemoml.grid.decomp. Indices are 1-based as in NEMO: the global grid
   !! has Ni0glo x Nj0glo inner points, a subdomain jpi x jpj points of which nn_hls on each side
   !! are halo, and its first inner point is global index nimpp (njmpp). Land-only subdomains
   !! are removed as NEMO's mpp_init with jpni = jpnj = 0 (decomp_bestpartition_land).
   !!----------------------------------------------------------------------
   IMPLICIT NONE
   PRIVATE
   PUBLIC :: decomp_basesplit, decomp_bestpartition, decomp_window
   PUBLIC :: decomp_ocean, decomp_bestpartition_land
   INTEGER, PARAMETER, PUBLIC :: jp_landsearch = 4   ! splits of up to 4 x nproc subdomains tried

CONTAINS

   SUBROUTINE decomp_basesplit( kni0glo, knj0glo, khls, knbi, knbj, kjpi, kjpj, knimpp, knjmpp )
      !! Sizes and positions of knbi x knbj subdomains, numbered i fastest (0-based rank + 1).
      !! The first 1 + MOD(Ni0glo-1, knbi) columns of subdomains get one extra point.
      INTEGER, INTENT(in ) :: kni0glo, knj0glo, khls, knbi, knbj
      INTEGER, INTENT(out) :: kjpi(knbi*knbj), kjpj(knbi*knbj), knimpp(knbi*knbj), knjmpp(knbi*knbj)
      INTEGER :: ji, jj, jn, iimax, ijmax, iresti, irestj, iimpp, ijmpp, isizei, isizej
      iimax  = ( kni0glo + knbi - 1 ) / knbi + 2 * khls
      ijmax  = ( knj0glo + knbj - 1 ) / knbj + 2 * khls
      iresti = 1 + MOD( kni0glo - 1, knbi )
      irestj = 1 + MOD( knj0glo - 1, knbj )
      ijmpp = 1
      DO jj = 1, knbj
         isizej = ijmax
         IF( jj > irestj )   isizej = ijmax - 1
         iimpp = 1
         DO ji = 1, knbi
            isizei = iimax
            IF( ji > iresti )   isizei = iimax - 1
            jn = ( jj - 1 ) * knbi + ji
            kjpi(jn) = isizei   ;   knimpp(jn) = iimpp
            kjpj(jn) = isizej   ;   knjmpp(jn) = ijmpp
            iimpp = iimpp + isizei - 2 * khls
         END DO
         ijmpp = ijmpp + isizej - 2 * khls
      END DO
   END SUBROUTINE decomp_basesplit

   SUBROUTINE decomp_bestpartition( knproc, kni0glo, knj0glo, khls, knbi, knbj )
      !! knbi x knbj = knproc minimising the largest subdomain area (halos included), then its
      !! perimeter, then knbi; split directions keep at least 3*khls points per subdomain.
      !! knbi = knbj = 0 when no split exists.
      INTEGER, INTENT(in ) :: knproc, kni0glo, knj0glo, khls
      INTEGER, INTENT(out) :: knbi, knbj
      INTEGER :: ji, ij, isi, isj, iarea, iperi, ibest_area, ibest_peri
      knbi = 0   ;   knbj = 0
      ibest_area = HUGE(1)   ;   ibest_peri = HUGE(1)
      DO ji = 1, knproc
         IF( MOD( knproc, ji ) /= 0 )   CYCLE
         ij = knproc / ji
         IF( ji > kni0glo .OR. ij > knj0glo )   CYCLE
         isi = ( kni0glo + ji - 1 ) / ji + 2 * khls
         isj = ( knj0glo + ij - 1 ) / ij + 2 * khls
         IF( ( ji > 1 .AND. isi < 3*khls ) .OR. ( ij > 1 .AND. isj < 3*khls ) )   CYCLE
         iarea = isi * isj   ;   iperi = isi + isj
         IF( iarea < ibest_area .OR. ( iarea == ibest_area .AND. iperi < ibest_peri ) ) THEN
            ibest_area = iarea   ;   ibest_peri = iperi
            knbi = ji   ;   knbj = ij
         ENDIF
      END DO
   END SUBROUTINE decomp_bestpartition

   SUBROUTINE decomp_ocean( kni0glo, knj0glo, khls, knbi, knbj, kocean, kisocean, knocean )
      !! kisocean(n) = 1 when subdomain n (i fastest) has an ocean point (kocean /= 0) inside
      INTEGER, INTENT(in ) :: kni0glo, knj0glo, khls, knbi, knbj
      INTEGER, INTENT(in ) :: kocean(kni0glo,knj0glo)
      INTEGER, INTENT(out) :: kisocean(knbi*knbj), knocean
      INTEGER, ALLOCATABLE :: ijpi(:), ijpj(:), iimpp(:), ijmpp(:)
      INTEGER :: jn, ii0, ij0
      ALLOCATE( ijpi(knbi*knbj), ijpj(knbi*knbj), iimpp(knbi*knbj), ijmpp(knbi*knbj) )
      CALL decomp_basesplit( kni0glo, knj0glo, khls, knbi, knbj, ijpi, ijpj, iimpp, ijmpp )
      DO jn = 1, knbi*knbj
         ii0 = iimpp(jn)   ;   ij0 = ijmpp(jn)
         kisocean(jn) = 0
         IF( ANY( kocean(ii0:ii0+ijpi(jn)-2*khls-1, ij0:ij0+ijpj(jn)-2*khls-1) /= 0 ) )   kisocean(jn) = 1
      END DO
      knocean = SUM( kisocean )
   END SUBROUTINE decomp_ocean

   SUBROUTINE decomp_bestpartition_land( knproc, kni0glo, knj0glo, khls, kocean, knbi, knbj )
      !! knbi x knbj with exactly knproc ocean subdomains, up to jp_landsearch*knproc subdomains,
      !! smallest area (halos included), then perimeter, then knbi. knbi = knbj = 0 when none.
      INTEGER, INTENT(in ) :: knproc, kni0glo, knj0glo, khls
      INTEGER, INTENT(in ) :: kocean(kni0glo,knj0glo)
      INTEGER, INTENT(out) :: knbi, knbj
      INTEGER, ALLOCATABLE :: iocean(:)
      INTEGER :: ji, ij, isi, isj, iarea, iperi, inocean, ibest_area, ibest_peri
      knbi = 0   ;   knbj = 0
      ibest_area = HUGE(1)   ;   ibest_peri = HUGE(1)
      DO ji = 1, MIN( kni0glo, jp_landsearch * knproc )
         DO ij = MAX( 1, ( knproc + ji - 1 ) / ji ), MIN( knj0glo, jp_landsearch * knproc / ji )
            isi = ( kni0glo + ji - 1 ) / ji + 2 * khls
            isj = ( knj0glo + ij - 1 ) / ij + 2 * khls
            IF( ( ji > 1 .AND. isi < 3*khls ) .OR. ( ij > 1 .AND. isj < 3*khls ) )   CYCLE
            iarea = isi * isj   ;   iperi = isi + isj
            IF( iarea > ibest_area .OR. ( iarea == ibest_area .AND. iperi >= ibest_peri ) )   CYCLE
            ALLOCATE( iocean(ji*ij) )
            CALL decomp_ocean( kni0glo, knj0glo, khls, ji, ij, kocean, iocean, inocean )
            DEALLOCATE( iocean )
            IF( inocean /= knproc )   CYCLE
            ibest_area = iarea   ;   ibest_peri = iperi
            knbi = ji   ;   knbj = ij
         END DO
      END DO
   END SUBROUTINE decomp_bestpartition_land

   SUBROUTINE decomp_window( kjpi, khls, kimpp, kni0glo, kis, kie, kigs, kige )
      !! Along one direction: the local points kis..kie (halos included) whose global index
      !! kigs..kige lies inside the global domain; what a scatter refills from the global field.
      INTEGER, INTENT(in ) :: kjpi, khls, kimpp, kni0glo
      INTEGER, INTENT(out) :: kis, kie, kigs, kige
      INTEGER :: ioff
      ioff = kimpp - 1 - khls           ! global index of local point 0
      kigs = MAX( 1, ioff + 1 )
      kige = MIN( kni0glo, ioff + kjpi )
      kis  = kigs - ioff
      kie  = kige - ioff
   END SUBROUTINE decomp_window

END MODULE nemoml_decomp
