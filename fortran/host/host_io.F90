MODULE host_io
   !!======================================================================
   !!                       ***  MODULE host_io  ***
   !! Stand-in host: read NEMO netCDF files (mesh_mask, restart) into local windows
   !!======================================================================
   !! Each rank reads only its window (inner points and halos inside the global domain), as
   !! NEMO's iom does with jpdom_auto; halo points outside the domain stay 0 (closed boundaries).
   !! Variables are (time_counter, nav_lev, y, x) in the file, (x, y, z) here; krec picks the
   !! record (default the first).
   !!----------------------------------------------------------------------
   USE netcdf
   USE host_domain
   IMPLICIT NONE
   PRIVATE
   PUBLIC   io_dims, io_read, io_read_ocean

   INTERFACE io_read
      MODULE PROCEDURE io_read1d, io_read2d, io_read3d
   END INTERFACE

CONTAINS

   SUBROUTINE io_dims( cdfile, kni, knj, knk, kstat )
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(out) :: kni, knj, knk, kstat
      INTEGER :: incid, idim
      kni = 0   ;   knj = 0   ;   knk = 0
      kstat = nf90_open( cdfile, NF90_NOWRITE, incid )
      IF( kstat /= NF90_NOERR )   RETURN
      kstat = nf90_inq_dimid( incid, 'x', idim )
      IF( kstat == NF90_NOERR )   kstat = nf90_inquire_dimension( incid, idim, len=kni )
      IF( kstat == NF90_NOERR )   kstat = nf90_inq_dimid( incid, 'y', idim )
      IF( kstat == NF90_NOERR )   kstat = nf90_inquire_dimension( incid, idim, len=knj )
      IF( kstat == NF90_NOERR )   kstat = nf90_inq_dimid( incid, 'nav_lev', idim )
      IF( kstat == NF90_NOERR )   kstat = nf90_inquire_dimension( incid, idim, len=knk )
      IF( kstat == NF90_NOERR ) THEN ; kstat = nf90_close( incid )
      ELSE                           ; idim = nf90_close( incid )
      ENDIF
   END SUBROUTINE io_dims

   SUBROUTINE io_read_ocean( cdfile, kocean, kstat )
      !! the whole surface tmask (every rank, before the decomposition: land-domain removal)
      CHARACTER(len=*), INTENT(in ) :: cdfile
      INTEGER         , INTENT(out) :: kocean(:,:)
      INTEGER         , INTENT(out) :: kstat
      INTEGER :: incid, ivar
      REAL(dp), ALLOCATABLE :: zmask(:,:)
      ALLOCATE( zmask(SIZE(kocean,1),SIZE(kocean,2)) )
      kocean(:,:) = 0
      kstat = nf90_open( cdfile, NF90_NOWRITE, incid )
      IF( kstat /= NF90_NOERR )   RETURN
      kstat = nf90_inq_varid( incid, 'tmask', ivar )
      IF( kstat == NF90_NOERR )   kstat = nf90_get_var( incid, ivar, zmask, start=[ 1, 1, 1, 1 ],   &
         &                        count=[ SIZE(kocean,1), SIZE(kocean,2), 1, 1 ] )
      ivar = nf90_close( incid )
      WHERE( zmask /= 0._dp )   kocean = 1
   END SUBROUTINE io_read_ocean

   SUBROUTINE window( kis, kie, kjs, kje )
      !! local index range whose global indices lie inside the domain
      INTEGER, INTENT(out) :: kis, kie, kjs, kje
      INTEGER :: igs, ige, jgs, jge
      CALL decomp_window( jpi, nn_hls, nimpp, nn_ni0glo, kis, kie, igs, ige )
      CALL decomp_window( jpj, nn_hls, njmpp, nn_nj0glo, kjs, kje, jgs, jge )
   END SUBROUTINE window

   SUBROUTINE io_read3d( cdfile, cdvar, pf, kstat, krec )
      CHARACTER(len=*), INTENT(in ) :: cdfile, cdvar
      REAL(dp)        , INTENT(out) :: pf(:,:,:)
      INTEGER         , INTENT(out) :: kstat
      INTEGER, OPTIONAL, INTENT(in) :: krec
      INTEGER :: incid, ivar, iis, iie, ijs, ije, irec
      irec = 1   ;   IF( PRESENT(krec) )   irec = krec
      pf(:,:,:) = 0._dp
      CALL window( iis, iie, ijs, ije )
      kstat = nf90_open( cdfile, NF90_NOWRITE, incid )
      IF( kstat /= NF90_NOERR )   RETURN
      kstat = nf90_inq_varid( incid, cdvar, ivar )
      IF( kstat == NF90_NOERR )   kstat = nf90_get_var( incid, ivar, pf(iis:iie,ijs:ije,:),              &
         &                        start=[ mig(iis), mjg(ijs), 1, irec ], count=[ iie-iis+1, ije-ijs+1, SIZE(pf,3), 1 ] )
      ivar = nf90_close( incid )
   END SUBROUTINE io_read3d

   SUBROUTINE io_read2d( cdfile, cdvar, pf, kstat, krec )
      CHARACTER(len=*), INTENT(in ) :: cdfile, cdvar
      REAL(dp)        , INTENT(out) :: pf(:,:)
      INTEGER         , INTENT(out) :: kstat
      INTEGER, OPTIONAL, INTENT(in) :: krec
      INTEGER :: incid, ivar, iis, iie, ijs, ije, irec
      irec = 1   ;   IF( PRESENT(krec) )   irec = krec
      pf(:,:) = 0._dp
      CALL window( iis, iie, ijs, ije )
      kstat = nf90_open( cdfile, NF90_NOWRITE, incid )
      IF( kstat /= NF90_NOERR )   RETURN
      kstat = nf90_inq_varid( incid, cdvar, ivar )
      IF( kstat == NF90_NOERR )   kstat = nf90_get_var( incid, ivar, pf(iis:iie,ijs:ije),                &
         &                        start=[ mig(iis), mjg(ijs), irec ], count=[ iie-iis+1, ije-ijs+1, 1 ] )
      ivar = nf90_close( incid )
   END SUBROUTINE io_read2d

   SUBROUTINE io_read1d( cdfile, cdvar, pf, kstat )
      CHARACTER(len=*), INTENT(in ) :: cdfile, cdvar
      REAL(dp)        , INTENT(out) :: pf(:)
      INTEGER         , INTENT(out) :: kstat
      INTEGER :: incid, ivar
      kstat = nf90_open( cdfile, NF90_NOWRITE, incid )
      IF( kstat /= NF90_NOERR )   RETURN
      kstat = nf90_inq_varid( incid, cdvar, ivar )
      IF( kstat == NF90_NOERR )   kstat = nf90_get_var( incid, ivar, pf, start=[ 1, 1 ], count=[ SIZE(pf), 1 ] )
      ivar = nf90_close( incid )
   END SUBROUTINE io_read1d

END MODULE host_io
