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
   !!   nemoml_nam_eos_read : read the host's &nameos (namelist_ref, then namelist_cfg)
   !!   nemoml_nam_eos      : the host's equation of state as the cn_nemoml_eos settings line
   !!----------------------------------------------------------------------
   USE, INTRINSIC :: iso_c_binding, ONLY: c_double
   IMPLICIT NONE
   PRIVATE
   PUBLIC   nemoml_nam_read, nemoml_nam_write, nemoml_nam_settings
   PUBLIC   nemoml_nam_eos_read, nemoml_nam_eos

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
   INTEGER           , PUBLIC ::   nn_nemoml_cycle      = 0         !: cycling window (days), 0 = off
   INTEGER           , PUBLIC ::   nn_nemoml_freq       = 0         !: steps between samples (0: daily)
   CHARACTER(len=16) , PUBLIC ::   cn_nemoml_cycle_method = 'enoi' !: 'enoi' or '4dvarnet'
   CHARACTER(len=256), PUBLIC ::   cn_nemoml_enoi_ens   = ''        !: EnOI ensemble file
   REAL(c_double)    , PUBLIC ::   rn_nemoml_enoi_alpha = 0.1_c_double !: EnOI: B = alpha x ensemble covariance
   INTEGER           , PUBLIC ::   nn_nemoml_iaufn      = 0         !: cycled IAU weights: 0 flat, 1 hat
   REAL(c_double)    , PUBLIC ::   rn_nemoml_qc_k       = 12._c_double   !: obs QC: reject |O-B| > k spreads, 0 = off
   REAL(c_double)    , PUBLIC ::   rn_nemoml_qc_maxrej  = 0.25_c_double  !: obs QC: larger fraction rejected stops the run
   !                                          !  (read: NEMO's nn_iaufn is read after the plugin
   !                                          !  starts, and shapes only its first, zero, IAU)
   !                                          !  set by the host, not read (NEMO: rn_Dt,
   !                                          !  nit000, nitend), for the cycling clock:
   REAL(c_double)    , PUBLIC ::   rn_nemoml_rdt        = 0._c_double
   INTEGER           , PUBLIC ::   nn_nemoml_it000      = 1
   INTEGER           , PUBLIC ::   nn_nemoml_itend      = 0

   NAMELIST/namnemoml/ ln_nemoml, ln_nemoml_istate, ln_nemoml_asm, cn_nemoml_generator,         &
      &                cn_nemoml_da, cn_nemoml_obs, cn_nemoml_sampler, nn_nemoml_steps,          &
      &                nn_nemoml_seed, ln_nemoml_c1, ln_nemoml_c2, ln_nemoml_ts, ln_nemoml_stab, &
      &                cn_nemoml_condition, cn_nemoml_uv, cn_nemoml_device, cn_nemoml_rstout,    &
      &                cn_nemoml_incout, nn_nemoml_threads, cn_nemoml_models, cn_nemoml_istate,  &
      &                cn_nemoml_increments, nn_nemoml_members, nn_nemoml_member,        &
      &                nn_nemoml_cycle, nn_nemoml_freq, cn_nemoml_cycle_method, cn_nemoml_enoi_ens, &
      &                nn_nemoml_iaufn, rn_nemoml_enoi_alpha, rn_nemoml_qc_k, rn_nemoml_qc_maxrej

   !                                          !!* the host's &nameos (NEMO eosbn2), private *
   ! Read here rather than taken from eosbn2, whose S-EOS coefficients are private; defaults are
   ! NEMO's namelist_ref values. The bridge refuses a generator trained with another EOS.
   LOGICAL        ::   ln_TEOS10 = .FALSE., ln_EOS80 = .FALSE., ln_SEOS = .FALSE.
   REAL(c_double) ::   rn_T0 = 10._c_double, rn_S0 = 35._c_double
   REAL(c_double) ::   rn_a0 = 1.6550e-1_c_double, rn_b0 = 7.6554e-1_c_double
   REAL(c_double) ::   rn_lambda1 = 5.9520e-2_c_double, rn_lambda2 = 7.4914e-4_c_double
   REAL(c_double) ::   rn_mu1 = 1.4970e-4_c_double, rn_mu2 = 1.1090e-5_c_double
   REAL(c_double) ::   rn_nu = 2.4341e-3_c_double
   LOGICAL        ::   l_eos_read = .FALSE.
   NAMELIST/nameos/ ln_TEOS10, ln_EOS80, ln_SEOS, rn_T0, rn_S0, rn_a0, rn_b0, rn_lambda1,      &
      &             rn_mu1, rn_lambda2, rn_mu2, rn_nu

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
         &  // ikey( 'nn_nemoml_members', nn_nemoml_members ) // ikey( 'nn_nemoml_member', nn_nemoml_member ) &
         &  // ikey( 'nn_nemoml_cycle', nn_nemoml_cycle ) // ikey( 'nn_nemoml_freq', nn_nemoml_freq )      &
         &  // ckey( 'cn_nemoml_cycle_method', cn_nemoml_cycle_method )                                &
         &  // ckey( 'cn_nemoml_enoi_ens', cn_nemoml_enoi_ens ) // dkey( 'rn_nemoml_rdt', rn_nemoml_rdt ) &
         &  // ikey( 'nn_nemoml_iaufn', nn_nemoml_iaufn ) // ikey( 'nn_nemoml_it000', nn_nemoml_it000 )   &
         &  // ikey( 'nn_nemoml_itend', nn_nemoml_itend )                                            &
         &  // dkey( 'rn_nemoml_enoi_alpha', rn_nemoml_enoi_alpha )                                    &
         &  // dkey( 'rn_nemoml_qc_k', rn_nemoml_qc_k ) // dkey( 'rn_nemoml_qc_maxrej', rn_nemoml_qc_maxrej )
   END FUNCTION nemoml_nam_settings

   SUBROUTINE nemoml_nam_eos_read( cdtext, kios )
      !! read &nameos from a whole namelist text, as eos_init does (call for ref, then cfg);
      !! kios < 0: group absent (earlier values kept), > 0: error
      CHARACTER(len=*), INTENT(in ) ::   cdtext
      INTEGER         , INTENT(out) ::   kios
      READ( cdtext, nameos, IOSTAT = kios )
      IF( kios == 0 )   l_eos_read = .TRUE.
   END SUBROUTINE nemoml_nam_eos_read

   FUNCTION nemoml_nam_eos() RESULT( cdset )
      !! "cn_nemoml_eos = 'seos rn_T0=... rn_nu=...'" ('eos80', 'teos10'); '' if &nameos was
      !! never read or sets no single choice (the bridge then names what is missing)
      CHARACTER(len=:), ALLOCATABLE ::   cdset
      CHARACTER(len=:), ALLOCATABLE ::   clkind
      clkind = ''
      IF( l_eos_read .AND. COUNT( [ ln_TEOS10, ln_EOS80, ln_SEOS ] ) == 1 ) THEN
         IF( ln_TEOS10 )   clkind = 'teos10'
         IF( ln_EOS80  )   clkind = 'eos80'
         IF( ln_SEOS   )   clkind = 'seos'//rkey( 'rn_T0', rn_T0 )//rkey( 'rn_S0', rn_S0 )           &
            &                     //rkey( 'rn_a0', rn_a0 )//rkey( 'rn_b0', rn_b0 )                   &
            &                     //rkey( 'rn_lambda1', rn_lambda1 )//rkey( 'rn_lambda2', rn_lambda2 ) &
            &                     //rkey( 'rn_mu1', rn_mu1 )//rkey( 'rn_mu2', rn_mu2 )               &
            &                     //rkey( 'rn_nu', rn_nu )
      ENDIF
      cdset = ckey( 'cn_nemoml_eos', clkind )
   END FUNCTION nemoml_nam_eos

   FUNCTION rkey( cdkey, pval ) RESULT( cdword )
      !! ' key=value' with all 17 significant digits (the bridge compares the coefficients)
      CHARACTER(len=*), INTENT(in) ::   cdkey
      REAL(c_double)  , INTENT(in) ::   pval
      CHARACTER(len=:), ALLOCATABLE ::   cdword
      CHARACTER(len=32) ::   cl
      WRITE(cl,'(es24.16e3)') pval
      cdword = ' '//cdkey//'='//TRIM(ADJUSTL(cl))
   END FUNCTION rkey

   FUNCTION dkey( cdkey, pval ) RESULT( cdline )
      !! 'key = value' line of a real, all 17 significant digits
      CHARACTER(len=*), INTENT(in) ::   cdkey
      REAL(c_double)  , INTENT(in) ::   pval
      CHARACTER(len=:), ALLOCATABLE ::   cdline
      CHARACTER(len=32) ::   cl
      WRITE(cl,'(es24.16e3)') pval
      cdline = cdkey//' = '//TRIM(ADJUSTL(cl))//NEW_LINE('a')
   END FUNCTION dkey

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
