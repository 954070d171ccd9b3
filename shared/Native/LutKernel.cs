namespace ProcessFarm.Shared.Native;

/// <summary>The LUT apply paths; values match <c>pf_kernel</c> in processfarm.h.</summary>
public enum LutKernel
{
    /// <summary>The best path this CPU supports.</summary>
    Auto = 0,

    /// <summary>The portable reference loop.</summary>
    Scalar = 1,

    /// <summary>32 bytes at a time with vpshufb (needs AVX2).</summary>
    Avx2 = 2,

    /// <summary>64 bytes at a time with vpermi2b (needs AVX-512 F, BW and VBMI).</summary>
    Avx512Vbmi = 3,

    /// <summary>64 bytes at a time with vpshufb (needs AVX-512 F and BW; for CPUs without VBMI).</summary>
    Avx512Bw = 4,
}
