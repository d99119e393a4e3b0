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

   SUBROUTINE nemoml_nam_read( cdtext, kios, cdmsg )
      !! read &namnemoml from a whole namelist text; kios < 0: block absent, > 0: error, then
      !! cdmsg names the first unknown or wrongly typed key (the compiler's own message names
      !! neither reliably) and the values read are undefined: the caller stops
      CHARACTER(len=*), INTENT(in ) ::   cdtext
      INTEGER         , INTENT(out) ::   kios
      CHARACTER(len=*), INTENT(out), OPTIONAL ::   cdmsg
      CHARACTER(len=512) ::   clmsg
      clmsg = ''
      READ( cdtext, namnemoml, IOSTAT = kios, IOMSG = clmsg )
      IF( .NOT. PRESENT(cdmsg) )   RETURN
      cdmsg = ''
      IF( kios <= 0 )   RETURN
      CALL nam_settle()
      CALL nam_diagnose( cdtext, clmsg, cdmsg )
   END SUBROUTINE nemoml_nam_read

   SUBROUTINE nam_settle()
      !! an empty read after a failed one: gfortran 12 returns 0 from the read that follows a
      !! failed logical ("Bad repeat count") without reading it; harmless elsewhere
      CHARACTER(len=12) ::   clempty
      INTEGER ::   ios
      clempty = '&namnemoml /'
      READ( clempty, namnemoml, IOSTAT = ios )
   END SUBROUTINE nam_settle

   SUBROUTINE nam_diagnose( cdtext, cdiomsg, cdmsg )
      !! read the block's "key = value" items one at a time: the first that fails is the culprit;
      !! if its key also fails with a value of the key's type (prefix ln/nn/rn/cn), it is unknown
      CHARACTER(len=*), INTENT(in ) ::   cdtext, cdiomsg
      CHARACTER(len=*), INTENT(out) ::   cdmsg
      INTEGER ::   ipos, iend, ik0, ik1, iv0, iv1, ios
      CHARACTER(len=:), ALLOCATABLE ::   clkey, clval
      cdmsg = '&namnemoml: '//TRIM(cdiomsg)                 ! if no single item fails
      ipos = INDEX( lower(cdtext), '&namnemoml' )
      IF( ipos == 0 )   RETURN
      ipos = ipos + LEN('&namnemoml')
      iend = group_end( cdtext, ipos )
      CALL next_key( cdtext, ipos, iend, ik0, ik1 )
      DO WHILE( ik0 > 0 )
         clkey = cdtext(ik0:ik1)
         iv0 = INDEX( cdtext(ik1+1:iend-1), '=' ) + ik1 + 1
         ipos = iv0
         CALL next_key( cdtext, ipos, iend, ik0, ik1 )
         iv1 = iend - 1
         IF( ik0 > 0 )   iv1 = ik0 - 1
         clval = TRIM(ADJUSTL( cdtext(iv0:iv1) ))
         IF( LEN(clval) > 0 ) THEN
            IF( clval(LEN(clval):) == ',' )   clval = TRIM( clval(:LEN(clval)-1) )
         ENDIF
         CALL read_item( clkey, clval, ios )
         IF( ios == 0 )   CYCLE
         CALL read_item( clkey, neutral(clkey), ios )
         IF( LEN(clkey) == 0 ) THEN
            cdmsg = '&namnemoml: a value with no key before it (= '//clval//')'
         ELSE IF( ios /= 0 ) THEN
            cdmsg = '&namnemoml: unknown key '//clkey//' (= '//clval//')'
         ELSE
            cdmsg = '&namnemoml: '//clkey//' = '//clval//' is not '//kind_of(clkey)
         ENDIF
         RETURN
      END DO
   END SUBROUTINE nam_diagnose

   SUBROUTINE read_item( cdkey, cdval, kios )
      CHARACTER(len=*), INTENT(in ) ::   cdkey, cdval
      INTEGER         , INTENT(out) ::   kios
      CHARACTER(len=:), ALLOCATABLE ::   clitem     ! an internal file is a variable
      clitem = '&namnemoml '//cdkey//' = '//cdval//' /'
      READ( clitem, namnemoml, IOSTAT = kios )
      IF( kios /= 0 )   CALL nam_settle()
   END SUBROUTINE read_item

   INTEGER FUNCTION group_end( cdtext, kpos )
      !! position of the '/' that ends the group (outside quotes), or past the text
      CHARACTER(len=*), INTENT(in) ::   cdtext
      INTEGER         , INTENT(in) ::   kpos
      CHARACTER(len=1) ::   clq
      INTEGER ::   ji
      clq = ' '
      DO ji = kpos, LEN(cdtext)
         IF( clq /= ' ' ) THEN
            IF( cdtext(ji:ji) == clq )   clq = ' '
         ELSE IF( cdtext(ji:ji) == "'" .OR. cdtext(ji:ji) == '"' ) THEN
            clq = cdtext(ji:ji)
         ELSE IF( cdtext(ji:ji) == '/' ) THEN
            group_end = ji   ;   RETURN
         ENDIF
      END DO
      group_end = LEN(cdtext) + 1
   END FUNCTION group_end

   SUBROUTINE next_key( cdtext, kpos, kend, kk0, kk1 )
      !! the name before the next '=' outside quotes in cdtext(kpos:kend-1): cdtext(kk0:kk1);
      !! kk0 = 0 if there is none
      CHARACTER(len=*), INTENT(in ) ::   cdtext
      INTEGER         , INTENT(in ) ::   kpos, kend
      INTEGER         , INTENT(out) ::   kk0, kk1
      CHARACTER(len=1) ::   clq
      INTEGER ::   ji
      clq = ' '   ;   kk0 = 0   ;   kk1 = 0
      DO ji = kpos, kend - 1
         IF( clq /= ' ' ) THEN
            IF( cdtext(ji:ji) == clq )   clq = ' '
         ELSE IF( cdtext(ji:ji) == "'" .OR. cdtext(ji:ji) == '"' ) THEN
            clq = cdtext(ji:ji)
         ELSE IF( cdtext(ji:ji) == '=' ) THEN
            kk1 = LEN_TRIM( cdtext(:ji-1) )
            kk0 = ji   ;   IF( kk1 >= kpos )   kk0 = kk1
            IF( kk0 == ji .OR. .NOT. is_name( cdtext(kk0:kk0) ) ) THEN
               kk0 = ji   ;   kk1 = ji - 1                ! '=' with no name before it: ''
               RETURN
            ENDIF
            DO WHILE( kk0 > kpos )
               IF( .NOT. is_name( cdtext(kk0-1:kk0-1) ) )   EXIT
               kk0 = kk0 - 1
            END DO
            RETURN
         ENDIF
      END DO
   END SUBROUTINE next_key

   LOGICAL FUNCTION is_name( cdc )
      CHARACTER(len=1), INTENT(in) ::   cdc
      is_name = VERIFY( lower(cdc), 'abcdefghijklmnopqrstuvwxyz0123456789_%()' ) == 0
   END FUNCTION is_name

   FUNCTION neutral( cdkey ) RESULT( cdval )
      !! a valid value for a key of this name's type (NEMO's prefix convention)
      CHARACTER(len=*), INTENT(in) ::   cdkey
      CHARACTER(len=:), ALLOCATABLE ::   cdval
      SELECT CASE( lower(cdkey(1:MIN(3,LEN(cdkey)))) )
      CASE( 'ln_' )   ;   cdval = '.false.'
      CASE( 'cn_' )   ;   cdval = "''"
      CASE( 'rn_' )   ;   cdval = '0.'
      CASE DEFAULT    ;   cdval = '0'
      END SELECT
   END FUNCTION neutral

   FUNCTION kind_of( cdkey ) RESULT( cdkind )
      CHARACTER(len=*), INTENT(in) ::   cdkey
      CHARACTER(len=:), ALLOCATABLE ::   cdkind
      SELECT CASE( lower(cdkey(1:MIN(3,LEN(cdkey)))) )
      CASE( 'ln_' )   ;   cdkind = '.true. or .false.'
      CASE( 'cn_' )   ;   cdkind = 'a quoted string'
      CASE( 'rn_' )   ;   cdkind = 'a real'
      CASE DEFAULT    ;   cdkind = 'an integer'
      END SELECT
   END FUNCTION kind_of

   FUNCTION lower( cdtext ) RESULT( cdlow )
      CHARACTER(len=*), INTENT(in) ::   cdtext
      CHARACTER(len=LEN(cdtext)) ::   cdlow
      INTEGER ::   ji, ic
      cdlow = cdtext
      DO ji = 1, LEN(cdtext)
         ic = IACHAR( cdtext(ji:ji) )
         IF( ic >= IACHAR('A') .AND. ic <= IACHAR('Z') )   cdlow(ji:ji) = ACHAR( ic + 32 )
      END DO
   END FUNCTION lower

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
