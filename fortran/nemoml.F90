MODULE nemoml
   !!======================================================================
   !!                       ***  MODULE nemoml  ***
   !! Fortran API of the nemoml plugin: BIND(C) interfaces to csrc/nemoml.h
   !!======================================================================
   !! Only the C ABI crosses compilers: this file is shipped as source so a host (NEMO's MY_SRC
   !! or any Fortran program) compiles it with its own compiler and flags. Every kind is explicit
   !! (c_double, c_float, c_int32_t), so -fdefault-real-8 and friends change nothing here.
   !!
   !!   nemoml_boot        start the embedded interpreter (first call, once)
   !!   nemoml_init        communicator, grid, masks, depths, settings; loads models
   !!   nemoml_model_load  load one more model, returns a handle
   !!   nemoml_forward     run a model on fields, per rank (nemoml_local) or global (nemoml_global)
   !!   nemoml_istate      initial state (NEMO istate_init)
   !!   nemoml_increments  analysis increments (NEMO asm_inc_init)
   !!   nemoml_cycle       cycled assimilation, from the time step (NEMO stp)
   !!   nemoml_finalize    before MPI_Finalize
   !!   nemoml_error       message of the last failure (same on every rank)
   !!   nemoml_field_of    describe a contiguous array as a field, zero-copy
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding
   IMPLICIT NONE
   PRIVATE

   INTEGER(c_int32_t), PARAMETER, PUBLIC :: nemoml_float32 = 4, nemoml_float64 = 8
   INTEGER(c_int32_t), PARAMETER, PUBLIC :: nemoml_local = 0, nemoml_global = 1
   INTEGER(c_int32_t), PARAMETER, PUBLIC :: nemoml_in = 1, nemoml_out = 2, nemoml_inout = 3
   INTEGER(c_int32_t), PARAMETER         :: jp_noncontiguous = -1
   INTEGER, PARAMETER :: jp_namelen = 32, jp_maxdim = 4, jp_errlen = 1024

   TYPE, BIND(C), PUBLIC :: nemoml_grid
      INTEGER(c_int32_t) :: jpi, jpj, jpk        ! local sizes, halos included
      INTEGER(c_int32_t) :: ni0glo, nj0glo       ! global sizes, halos excluded
      INTEGER(c_int32_t) :: nimpp, njmpp         ! global index of the first inner point
      INTEGER(c_int32_t) :: nn_hls               ! halo width
      INTEGER(c_int32_t) :: nis0, nie0, njs0, nje0   ! inner-domain bounds
   END TYPE nemoml_grid

   TYPE, BIND(C), PUBLIC :: nemoml_field
      CHARACTER(kind=c_char) :: name(jp_namelen)
      TYPE(c_ptr)            :: data
      INTEGER(c_int32_t)     :: dtype, ndim, cgrid, intent
      INTEGER(c_int64_t)     :: shape(jp_maxdim)
   END TYPE nemoml_field

   INTERFACE nemoml_field_of
      MODULE PROCEDURE field_dp1, field_dp2, field_dp3, field_sp1, field_sp2, field_sp3
   END INTERFACE

   INTERFACE
      INTEGER(c_int) FUNCTION c_boot() BIND(C, name='nemoml_boot')
         IMPORT :: c_int
      END FUNCTION
      INTEGER(c_int) FUNCTION c_init(kcomm, sgrid, kn, sfields, cdset) BIND(C, name='nemoml_init')
         IMPORT :: c_int, c_int32_t, c_char, nemoml_grid, nemoml_field
         INTEGER(c_int32_t), VALUE :: kcomm, kn
         TYPE(nemoml_grid), INTENT(in) :: sgrid
         TYPE(nemoml_field), INTENT(in) :: sfields(*)
         CHARACTER(kind=c_char), INTENT(in) :: cdset(*)
      END FUNCTION
      INTEGER(c_int) FUNCTION c_model_load(cdname, cdpath, khandle) BIND(C, name='nemoml_model_load')
         IMPORT :: c_int, c_int32_t, c_char
         CHARACTER(kind=c_char), INTENT(in) :: cdname(*), cdpath(*)
         INTEGER(c_int32_t), INTENT(out) :: khandle
      END FUNCTION
      INTEGER(c_int) FUNCTION c_forward(khandle, kmode, kin, sin, kout, sout) BIND(C, name='nemoml_forward')
         IMPORT :: c_int, c_int32_t, nemoml_field
         INTEGER(c_int32_t), VALUE :: khandle, kmode, kin, kout
         TYPE(nemoml_field), INTENT(in) :: sin(*), sout(*)
      END FUNCTION
      INTEGER(c_int) FUNCTION c_istate(kt, kn, sfields) BIND(C, name='nemoml_istate')
         IMPORT :: c_int, c_int32_t, nemoml_field
         INTEGER(c_int32_t), VALUE :: kt, kn
         TYPE(nemoml_field), INTENT(in) :: sfields(*)
      END FUNCTION
      INTEGER(c_int) FUNCTION c_increments(kt, kn, sfields) BIND(C, name='nemoml_increments')
         IMPORT :: c_int, c_int32_t, nemoml_field
         INTEGER(c_int32_t), VALUE :: kt, kn
         TYPE(nemoml_field), INTENT(in) :: sfields(*)
      END FUNCTION
      INTEGER(c_int) FUNCTION c_cycle(kt, kn, sfields, kiau) BIND(C, name='nemoml_cycle')
         IMPORT :: c_int, c_int32_t, nemoml_field
         INTEGER(c_int32_t), VALUE :: kt, kn
         TYPE(nemoml_field), INTENT(in) :: sfields(*)
         INTEGER(c_int32_t), INTENT(out) :: kiau
      END FUNCTION
      INTEGER(c_int) FUNCTION c_ping() BIND(C, name='nemoml_ping')
         IMPORT :: c_int
      END FUNCTION
      INTEGER(c_int) FUNCTION c_finalize() BIND(C, name='nemoml_finalize')
         IMPORT :: c_int
      END FUNCTION
      INTEGER(c_int) FUNCTION c_last_error(cdbuf, klen) BIND(C, name='nemoml_last_error')
         IMPORT :: c_int, c_int32_t, c_char
         CHARACTER(kind=c_char), INTENT(out) :: cdbuf(*)
         INTEGER(c_int32_t), VALUE :: klen
      END FUNCTION
   END INTERFACE

   PUBLIC :: nemoml_boot, nemoml_init, nemoml_model_load, nemoml_forward, nemoml_istate
   PUBLIC :: nemoml_increments, nemoml_cycle, nemoml_ping, nemoml_finalize, nemoml_error, nemoml_field_of

CONTAINS

   SUBROUTINE nemoml_boot( kstatus )
      INTEGER, INTENT(out) :: kstatus
      kstatus = c_boot()
   END SUBROUTINE nemoml_boot

   SUBROUTINE nemoml_init( kcomm, sgrid, sfields, cdsettings, kstatus )
      INTEGER           , INTENT(in ) :: kcomm        ! Fortran MPI handle (NEMO: mpi_comm_oce)
      TYPE(nemoml_grid) , INTENT(in ) :: sgrid
      TYPE(nemoml_field), INTENT(in ) :: sfields(:)   ! masks and 1-D depths
      CHARACTER(len=*)  , INTENT(in ) :: cdsettings   ! "key = value" lines (NEW_LINE separated)
      INTEGER           , INTENT(out) :: kstatus
      kstatus = c_init( INT(kcomm, c_int32_t), sgrid, INT(SIZE(sfields), c_int32_t), sfields,   &
         &              cstr(cdsettings) )
   END SUBROUTINE nemoml_init

   SUBROUTINE nemoml_model_load( cdname, cdpath, khandle, kstatus )
      CHARACTER(len=*), INTENT(in ) :: cdname, cdpath
      INTEGER         , INTENT(out) :: khandle, kstatus
      INTEGER(c_int32_t) :: ihandle
      kstatus = c_model_load( cstr(cdname), cstr(cdpath), ihandle )
      khandle = INT(ihandle)
   END SUBROUTINE nemoml_model_load

   SUBROUTINE nemoml_forward( khandle, kmode, sin, sout, kstatus )
      INTEGER           , INTENT(in ) :: khandle, kmode
      TYPE(nemoml_field), INTENT(in ) :: sin(:), sout(:)
      INTEGER           , INTENT(out) :: kstatus
      kstatus = c_forward( INT(khandle, c_int32_t), INT(kmode, c_int32_t),          &
         &                 INT(SIZE(sin), c_int32_t), sin, INT(SIZE(sout), c_int32_t), sout )
   END SUBROUTINE nemoml_forward

   SUBROUTINE nemoml_istate( kt, sfields, kstatus )
      INTEGER           , INTENT(in ) :: kt
      TYPE(nemoml_field), INTENT(in ) :: sfields(:)   ! tn, sn, un, vn, sshn (inout)
      INTEGER           , INTENT(out) :: kstatus
      kstatus = c_istate( INT(kt, c_int32_t), INT(SIZE(sfields), c_int32_t), sfields )
   END SUBROUTINE nemoml_istate

   SUBROUTINE nemoml_increments( kt, sfields, kstatus )
      INTEGER           , INTENT(in ) :: kt
      TYPE(nemoml_field), INTENT(in ) :: sfields(:)   ! background (in), *_bkginc (out)
      INTEGER           , INTENT(out) :: kstatus
      kstatus = c_increments( INT(kt, c_int32_t), INT(SIZE(sfields), c_int32_t), sfields )
   END SUBROUTINE nemoml_increments

   SUBROUTINE nemoml_cycle( kt, sfields, kiau_steps, kstat )
      !! at the end of step kt, every nn_nemoml_freq steps (other steps return at once):
      !! kiau_steps > 0 when a window ended at kt, the *_bkginc fields then hold its increment
      !! for IAU over steps kt+1 .. kt+kiau_steps; 0: nothing new, *_bkginc untouched
      INTEGER           , INTENT(in ) :: kt
      TYPE(nemoml_field), INTENT(in ) :: sfields(:)   ! tn, sn, sshn (in), *_bkginc (out)
      INTEGER           , INTENT(out) :: kiau_steps, kstat
      INTEGER(c_int32_t) :: iiau
      iiau = 0_c_int32_t
      kstat = c_cycle( INT(kt, c_int32_t), INT(SIZE(sfields), c_int32_t), sfields, iiau )
      kiau_steps = INT(iiau)
   END SUBROUTINE nemoml_cycle

   SUBROUTINE nemoml_ping( kstatus )
      INTEGER, INTENT(out) :: kstatus
      kstatus = c_ping()
   END SUBROUTINE nemoml_ping

   SUBROUTINE nemoml_finalize( kstatus )
      INTEGER, INTENT(out) :: kstatus
      kstatus = c_finalize()
   END SUBROUTINE nemoml_finalize

   FUNCTION nemoml_error() RESULT( cdmsg )
      CHARACTER(len=:), ALLOCATABLE :: cdmsg
      CHARACTER(kind=c_char) :: zbuf(jp_errlen)
      INTEGER :: ilen, ji
      ilen = MIN( INT(c_last_error( zbuf, INT(jp_errlen, c_int32_t) )), jp_errlen - 1 )
      ALLOCATE( CHARACTER(len=ilen) :: cdmsg )
      DO ji = 1, ilen
         cdmsg(ji:ji) = zbuf(ji)
      END DO
   END FUNCTION nemoml_error

   !!----------------------------------------------------------------------
   !! Field descriptors: the address of the caller's array, no copy. The array must be
   !! contiguous (whole arrays and sections like ts(:,:,:,jp_tem,Kbb) are); a strided section
   !! is flagged so the bridge refuses it instead of reading a compiler temporary.
   !!----------------------------------------------------------------------

   FUNCTION field_dp1( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_double), DIMENSION(:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1))), nemoml_float64, SHAPE(parr),      &
         &             IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_dp1

   FUNCTION field_dp2( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_double), DIMENSION(:,:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1),LBOUND(parr,2))), nemoml_float64,    &
         &             SHAPE(parr), IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_dp2

   FUNCTION field_dp3( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_double), DIMENSION(:,:,:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1),LBOUND(parr,2),LBOUND(parr,3))),    &
         &             nemoml_float64, SHAPE(parr), IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_dp3

   FUNCTION field_sp1( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_float), DIMENSION(:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1))), nemoml_float32, SHAPE(parr),      &
         &             IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_sp1

   FUNCTION field_sp2( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_float), DIMENSION(:,:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1),LBOUND(parr,2))), nemoml_float32,    &
         &             SHAPE(parr), IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_sp2

   FUNCTION field_sp3( cdname, parr, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*), INTENT(in) :: cdname, cdgrid
      REAL(c_float), DIMENSION(:,:,:), TARGET, INTENT(in) :: parr
      INTEGER, INTENT(in) :: kintent
      TYPE(nemoml_field) :: sfld
      sfld = describe( cdname, c_loc(parr(LBOUND(parr,1),LBOUND(parr,2),LBOUND(parr,3))),    &
         &             nemoml_float32, SHAPE(parr), IS_CONTIGUOUS(parr), cdgrid, kintent )
   END FUNCTION field_sp3

   FUNCTION describe( cdname, pptr, kdtype, kshape, ldcontig, cdgrid, kintent ) RESULT( sfld )
      CHARACTER(len=*)  , INTENT(in) :: cdname, cdgrid
      TYPE(c_ptr)       , INTENT(in) :: pptr
      INTEGER(c_int32_t), INTENT(in) :: kdtype
      INTEGER           , INTENT(in) :: kshape(:), kintent
      LOGICAL           , INTENT(in) :: ldcontig
      TYPE(nemoml_field) :: sfld
      INTEGER :: ji, ilen
      sfld%name(:) = c_null_char
      ilen = MIN( LEN_TRIM(cdname), jp_namelen - 1 )
      DO ji = 1, ilen
         sfld%name(ji) = cdname(ji:ji)
      END DO
      sfld%data   = pptr
      sfld%dtype  = kdtype
      IF( .NOT. ldcontig )   sfld%dtype = jp_noncontiguous
      sfld%ndim   = INT(SIZE(kshape), c_int32_t)
      sfld%cgrid  = INT(ICHAR(cdgrid(1:1)), c_int32_t)
      sfld%intent = INT(kintent, c_int32_t)
      sfld%shape(:) = 1
      sfld%shape(1:SIZE(kshape)) = INT(kshape, c_int64_t)
   END FUNCTION describe

   FUNCTION cstr( cdstr ) RESULT( cdc )
      !! a Fortran string as a NUL-terminated C string (trailing blanks dropped)
      CHARACTER(len=*), INTENT(in) :: cdstr
      CHARACTER(kind=c_char) :: cdc(LEN_TRIM(cdstr)+1)
      INTEGER :: ji
      DO ji = 1, LEN_TRIM(cdstr)
         cdc(ji) = cdstr(ji:ji)
      END DO
      cdc(LEN_TRIM(cdstr)+1) = c_null_char
   END FUNCTION cstr

END MODULE nemoml
