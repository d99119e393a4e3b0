MODULE nemoml_nam
   !!======================================================================
   !!                       ***  MODULE nemoml_nam  ***
   !! nemoml plugin: the &namnemoml namelist and the settings text it becomes
   !!======================================================================
   !! Shared by NEMO (nemo_patches/MY_SRC/nemoml_hooks.F90) and the stand-in host, so both read
   !! the same block. Values are checked on the Python side, which returns a clear message.
   !!   nemoml_nam_read     : read &namnemoml from a namelist text (NEMO's numnam_ref/cfg)
   !!   nemoml_nam_write    : echo the block (NEMO's output.namelist.dyn)
   !!   nemoml_nam_settings : the "key = value" lines passed to nemoml_init
   !!----------------------------------------------------------------------
   IMPLICIT NONE
   PRIVATE
   PUBLIC   nemoml_nam_read, nemoml_nam_write, nemoml_nam_settings

   !                                          !!* namelist &namnemoml *
   LOGICAL           , PUBLIC ::   ln_nemoml            = .FALSE.   !: switch the plugin on
   LOGICAL           , PUBLIC ::   ln_nemoml_istate     = .FALSE.   !: generated initial state
   LOGICAL           , PUBLIC ::   ln_nemoml_asm        = .FALSE.   !: inline 4DVarNet increments
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_generator  = ''        !: exported generator
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_da         = ''        !: exported 4DVarNet solver
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_obs        = ''        !: observation file
   CHARACTER(len=16) , PUBLIC ::   cn_nemoml_sampler    = 'ddim'    !: 'ddim' or 'ddpm'
   INTEGER           , PUBLIC ::   nn_nemoml_steps      = 50        !: sampler steps
   INTEGER           , PUBLIC ::   nn_nemoml_seed       = 0         !: sampling seed
   INTEGER           , PUBLIC ::   nn_nemoml_members    = 1         !: states per call (restarts _mNNN)
   INTEGER           , PUBLIC ::   nn_nemoml_member     = -1        !: this run's member (-1: none)
   LOGICAL           , PUBLIC ::   ln_nemoml_c1         = .TRUE.    !: C1, mean sigma0 profile
   LOGICAL           , PUBLIC ::   ln_nemoml_c2         = .TRUE.    !: C2, mean d(sigma0) profile
   LOGICAL           , PUBLIC ::   ln_nemoml_ts         = .TRUE.    !: mean T and S profiles
   LOGICAL           , PUBLIC ::   ln_nemoml_stab       = .TRUE.    !: no density inversions
   CHARACTER(len=64) , PUBLIC ::   cn_nemoml_condition  = ''        !: '' or 'sst'
   CHARACTER(len=16) , PUBLIC ::   cn_nemoml_uv         = 'zero'    !: 'zero', 'generated', 'thermal_wind'
   CHARACTER(len=16) , PUBLIC ::   cn_nemoml_device     = 'cpu'     !: 'cpu', 'cuda', 'auto'
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_rstout     = ''        !: also write the state here
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_incout     = ''        !: also write the increments here
   INTEGER           , PUBLIC ::   nn_nemoml_threads    = 1         !: torch threads per rank
   CHARACTER(len=1024),PUBLIC ::   cn_nemoml_models     = ''        !: 'name=path, ...' (advanced)
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_istate     = ''        !: istate handler (advanced)
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_increments = ''        !: increments handler (advanced)
   INTEGER           , PUBLIC ::   nn_nemoml_date0      = 20000101  !: the host's initial date (not read:
   !                                                                !  NEMO sets it from nn_date0)
   INTEGER           , PUBLIC ::   nn_nemoml_leapy      = 1         !: the host's calendar (not read:
   !                                                                !  NEMO sets it from nn_leapy)

   NAMELIST/namnemoml/ ln_nemoml, ln_nemoml_istate, ln_nemoml_asm, cn_nemoml_generator,         &
      &                cn_nemoml_da, cn_nemoml_obs, cn_nemoml_sampler, nn_nemoml_steps,          &
      &                nn_nemoml_seed, ln_nemoml_c1, ln_nemoml_c2, ln_nemoml_ts, ln_nemoml_stab, &
      &                cn_nemoml_condition, cn_nemoml_uv, cn_nemoml_device, cn_nemoml_rstout,    &
      &                cn_nemoml_incout, nn_nemoml_threads, cn_nemoml_models, cn_nemoml_istate,  &
      &                cn_nemoml_increments, nn_nemoml_members, nn_nemoml_member

CONTAINS

   SUBROUTINE nemoml_nam_read( cdtext, kios )
      !! read &namnemoml from a whole namelist text; kios < 0: block absent, > 0: error
      CHARACTER(len=*), INTENT(in ) ::   cdtext
      INTEGER         , INTENT(out) ::   kios
      READ( cdtext, namnemoml, IOSTAT = kios )
   END SUBROUTINE nemoml_nam_read

   SUBROUTINE nemoml_nam_write( kunit )
      INTEGER, INTENT(in) ::   kunit
      WRITE( kunit, namnemoml )
   END SUBROUTINE nemoml_nam_write

   FUNCTION nemoml_nam_settings() RESULT( cdset )
      CHARACTER(len=:), ALLOCATABLE ::   cdset
      cdset = lkey( 'ln_nemoml_istate', ln_nemoml_istate ) // lkey( 'ln_nemoml_asm', ln_nemoml_asm )    &
         &  // ckey( 'cn_nemoml_generator', cn_nemoml_generator ) // ckey( 'cn_nemoml_da', cn_nemoml_da )  &
         &  // ckey( 'cn_nemoml_obs', cn_nemoml_obs ) // ckey( 'cn_nemoml_sampler', cn_nemoml_sampler )    &
         &  // ikey( 'nn_nemoml_steps', nn_nemoml_steps ) // ikey( 'nn_nemoml_seed', nn_nemoml_seed )      &
         &  // lkey( 'ln_nemoml_c1', ln_nemoml_c1 ) // lkey( 'ln_nemoml_c2', ln_nemoml_c2 )                &
         &  // lkey( 'ln_nemoml_ts', ln_nemoml_ts ) // lkey( 'ln_nemoml_stab', ln_nemoml_stab )            &
         &  // ckey( 'cn_nemoml_condition', cn_nemoml_condition ) // ckey( 'cn_nemoml_uv', cn_nemoml_uv )  &
         &  // ckey( 'cn_nemoml_device', cn_nemoml_device ) // ckey( 'cn_nemoml_rstout', cn_nemoml_rstout )&
         &  // ckey( 'cn_nemoml_incout', cn_nemoml_incout ) // ikey( 'nn_nemoml_date0', nn_nemoml_date0 ) &
         &  // ikey( 'nn_nemoml_leapy', nn_nemoml_leapy )                                                 &
         &  // ikey( 'nn_nemoml_threads', nn_nemoml_threads )                                             &
         &  // ckey( 'cn_nemoml_models', cn_nemoml_models ) // ckey( 'cn_nemoml_istate', cn_nemoml_istate ) &
         &  // ckey( 'cn_nemoml_increments', cn_nemoml_increments )                                    &
         &  // ikey( 'nn_nemoml_members', nn_nemoml_members ) // ikey( 'nn_nemoml_member', nn_nemoml_member )
   END FUNCTION nemoml_nam_settings

   FUNCTION lkey( cdkey, ldval ) RESULT( cdline )
      CHARACTER(len=*), INTENT(in) ::   cdkey
      LOGICAL         , INTENT(in) ::   ldval
      CHARACTER(len=:), ALLOCATABLE ::   cdline
      IF( ldval ) THEN   ;   cdline = cdkey//' = .true.'//NEW_LINE('a')
      ELSE               ;   cdline = cdkey//' = .false.'//NEW_LINE('a')
      ENDIF
   END FUNCTION lkey

   FUNCTION ckey( cdkey, cdval ) RESULT( cdline )
      CHARACTER(len=*), INTENT(in) ::   cdkey, cdval
      CHARACTER(len=:), ALLOCATABLE ::   cdline
      cdline = cdkey//" = '"//TRIM(cdval)//"'"//NEW_LINE('a')
   END FUNCTION ckey

   FUNCTION ikey( cdkey, kval ) RESULT( cdline )
      CHARACTER(len=*), INTENT(in) ::   cdkey
      INTEGER         , INTENT(in) ::   kval
      CHARACTER(len=:), ALLOCATABLE ::   cdline
      CHARACTER(len=16) ::   cl
      WRITE(cl,'(i0)') kval
      cdline = cdkey//' = '//TRIM(cl)//NEW_LINE('a')
   END FUNCTION ikey

END MODULE nemoml_nam
