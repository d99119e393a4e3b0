MODULE par_kind
   !! stand-in: NEMO's working precision (dp unless key_single)
   IMPLICIT NONE
   INTEGER, PUBLIC, PARAMETER ::   dp = SELECTED_REAL_KIND(12,307)
#if defined key_single
   INTEGER, PUBLIC, PARAMETER ::   wp = SELECTED_REAL_KIND(6,37)
#else
   INTEGER, PUBLIC, PARAMETER ::   wp = dp
#endif
END MODULE par_kind

MODULE oce
   !! stand-in: prognostic arrays, declared as NEMO's oce.F90 declares them
   USE par_kind
   IMPLICIT NONE
   INTEGER, PUBLIC, PARAMETER ::   jp_tem = 1, jp_sal = 2
   REAL(wp), PUBLIC, ALLOCATABLE, SAVE, DIMENSION(:,:,:,:), TARGET ::   uu, vv
   REAL(wp), PUBLIC, ALLOCATABLE, SAVE, DIMENSION(:,:,:,:,:) ::   ts
   REAL(wp), PUBLIC, ALLOCATABLE, SAVE, DIMENSION(:,:,:) ::   ssh, uu_b, vv_b
END MODULE oce

MODULE dom_oce
   !! stand-in: decomposition, masks, depths, scale factors
   USE par_kind
   IMPLICIT NONE
   INTEGER, PUBLIC ::   jpi, jpj, jpk, jpkm1, Ni0glo, Nj0glo, nimpp, njmpp, nn_hls
   INTEGER, PUBLIC ::   Nis0, Nie0, Njs0, Nje0
   LOGICAL, PUBLIC ::   l_1st_euler = .FALSE.
   REAL(wp), PUBLIC ::   rn_Dt = 14400._wp
   REAL(wp), PUBLIC, ALLOCATABLE, DIMENSION(:) ::   gdept_1d, gdepw_1d, e3t_1d, e3w_1d
   REAL(wp), PUBLIC, ALLOCATABLE, DIMENSION(:,:) ::   glamt, gphit, e1t, e2t, ff_t
   REAL(wp), PUBLIC, ALLOCATABLE, DIMENSION(:,:,:), TARGET ::   tmask, umask, vmask
   REAL(wp), PUBLIC, ALLOCATABLE, DIMENSION(:,:,:) ::   e3u_0, e3v_0, r1_hu, r1_hv
END MODULE dom_oce

MODULE in_out_manager
   !! stand-in: namelist buffers, output units, run control
   IMPLICIT NONE
   CHARACTER(LEN=:), ALLOCATABLE, PUBLIC ::   numnam_ref, numnam_cfg
   INTEGER, PUBLIC ::   numout = 6, numond = -1, nit000 = 1, nitend = 2160, nn_date0 = 10101
   INTEGER, PUBLIC ::   nn_leapy = 30
   LOGICAL, PUBLIC ::   lwp = .TRUE., lwm = .FALSE., ln_rstart = .FALSE.
END MODULE in_out_manager

MODULE lib_mpp
   !! stand-in: communicator and the stops (a stop prints its message and ends with status 3)
   USE par_kind
   IMPLICIT NONE
   INTEGER, PUBLIC ::   mpi_comm_oce
CONTAINS
   SUBROUTINE ctl_stop( cd1, cd2 )
      CHARACTER(len=*), INTENT(in)           ::   cd1
      CHARACTER(len=*), INTENT(in), OPTIONAL ::   cd2
      WRITE(*,'(a)') 'CTL_STOP '//TRIM(cd1)
      IF( PRESENT(cd2) )   WRITE(*,'(a)') 'CTL_STOP '//TRIM(cd2)
      ERROR STOP 3
   END SUBROUTINE ctl_stop
   SUBROUTINE mpp_max( cdname, pval )
      !! one rank: the maximum is the rank's own
      CHARACTER(len=*), INTENT(in   ) ::   cdname
      REAL(wp)        , INTENT(inout) ::   pval
   END SUBROUTINE mpp_max
   SUBROUTINE ctl_nam( kios, cdnam )
      INTEGER         , INTENT(inout) ::   kios
      CHARACTER(len=*), INTENT(in   ) ::   cdnam
      CALL ctl_stop( 'STOP', 'misspelled variable in namelist '//TRIM(cdnam) )
   END SUBROUTINE ctl_nam
END MODULE lib_mpp

MODULE lbclnk
   !! stand-in: one closed subdomain, so the halo exchange has nothing to do
   USE par_kind
   IMPLICIT NONE
   INTERFACE lbc_lnk
      MODULE PROCEDURE lbc_lnk_3d, lbc_lnk_2d
   END INTERFACE
CONTAINS
   SUBROUTINE lbc_lnk_3d( cdname, pt1, cd1, ps1, pt2, cd2, ps2, pt3, cd3, ps3, pt4, cd4, ps4 )
      CHARACTER(len=*), INTENT(in)                         ::   cdname, cd1
      REAL(wp), DIMENSION(:,:,:), INTENT(inout)            ::   pt1
      REAL(wp), INTENT(in)                                 ::   ps1
      CHARACTER(len=*), INTENT(in), OPTIONAL               ::   cd2, cd3, cd4
      REAL(wp), DIMENSION(:,:,:), INTENT(inout), OPTIONAL  ::   pt2, pt3, pt4
      REAL(wp), INTENT(in), OPTIONAL                       ::   ps2, ps3, ps4
   END SUBROUTINE lbc_lnk_3d
   SUBROUTINE lbc_lnk_2d( cdname, pt1, cd1, ps1 )
      CHARACTER(len=*), INTENT(in)            ::   cdname, cd1
      REAL(wp), DIMENSION(:,:), INTENT(inout) ::   pt1
      REAL(wp), INTENT(in)                    ::   ps1
   END SUBROUTINE lbc_lnk_2d
END MODULE lbclnk

MODULE dynspg_ts
   !! stand-in: the split-explicit cold-start flag (RK3)
   IMPLICIT NONE
   LOGICAL, PUBLIC ::   ll_cold_start = .FALSE.
END MODULE dynspg_ts

MODULE domqco
   !! stand-in: key_qco rebuilds the scale-factor ratios from SSH
   IMPLICIT NONE
   INTEGER, PUBLIC ::   nqco_calls = 0
CONTAINS
   SUBROUTINE dom_qco_zgr( Kbb, Kmm )
      INTEGER, INTENT(in) ::   Kbb, Kmm
      nqco_calls = nqco_calls + 1
   END SUBROUTINE dom_qco_zgr
END MODULE domqco

MODULE asmpar
   !! stand-in: the IAU interval referenced to nit000
   IMPLICIT NONE
   INTEGER, PUBLIC ::   nitiaustr_r, nitiaufin_r
END MODULE asmpar

MODULE asminc
   !! stand-in: &nam_asminc switches and the increment arrays (ssh_bkginc made PUBLIC by
   !! nemoml patch-nemo, private in NEMO)
   USE par_kind
   IMPLICIT NONE
#if defined key_asminc
   LOGICAL, PUBLIC, PARAMETER ::   lk_asminc = .TRUE.
#else
   LOGICAL, PUBLIC, PARAMETER ::   lk_asminc = .FALSE.
#endif
   LOGICAL, PUBLIC ::   ln_asmiau = .TRUE., ln_asmdin = .FALSE., ln_trainc = .TRUE.
   LOGICAL, PUBLIC ::   ln_sshinc = .TRUE., ln_dyninc = .FALSE.
   INTEGER, PUBLIC ::   nn_iaufn = 0
   REAL(wp), PUBLIC, DIMENSION(:,:,:), ALLOCATABLE ::   t_bkginc, s_bkginc, u_bkginc, v_bkginc
   REAL(wp), PUBLIC, DIMENSION(:,:)  , ALLOCATABLE ::   ssh_bkginc
   REAL(wp), PUBLIC, DIMENSION(:)    , ALLOCATABLE ::   wgtiau
END MODULE asminc
