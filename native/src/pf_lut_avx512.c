/*
 * AVX-512 VBMI LUT path, compiled with -mavx512f -mavx512bw -mavx512vbmi and only called after CPUID says so.
 *
 * vpermi2b indexes 128 bytes held in two ZMM registers with the low 7 bits of each index byte, so two of them
 * cover the 256-entry table; bit 7 of the input (vpmovb2m) picks the half. Three shuffle-class instructions
 * per 64 bytes: the loop runs at memory speed. The tail uses masked loads and stores instead of a scalar loop.
 */
#include "pf_internal.h"

#include <immintrin.h>

static inline __m512i pf_lookup64(__m512i t0, __m512i t1, __m512i t2, __m512i t3, __m512i x)
{
    const __m512i low = _mm512_permutex2var_epi8(t0, x, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, x, t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
}

void pf_lut_apply_avx512vbmi(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep)
{
    const __mmask64 kept = _cvtu64_mask64(keep);
    const __m512i t0 = _mm512_loadu_si512(lut);
    const __m512i t1 = _mm512_loadu_si512(lut + 64);
    const __m512i t2 = _mm512_loadu_si512(lut + 128);
    const __m512i t3 = _mm512_loadu_si512(lut + 192);

    int64_t i = 0;
    for (; i + 256 <= length; i += 256)
    {
        const __m512i a = _mm512_loadu_si512(src + i);
        const __m512i b = _mm512_loadu_si512(src + i + 64);
        const __m512i c = _mm512_loadu_si512(src + i + 128);
        const __m512i d = _mm512_loadu_si512(src + i + 192);
        _mm512_storeu_si512(dst + i, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, a), a));
        _mm512_storeu_si512(dst + i + 64, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, b), b));
        _mm512_storeu_si512(dst + i + 128, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, c), c));
        _mm512_storeu_si512(dst + i + 192, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, d), d));
    }
    for (; i + 64 <= length; i += 64)
    {
        const __m512i x = _mm512_loadu_si512(src + i);
        _mm512_storeu_si512(dst + i, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, x), x));
    }
    if (i < length)
    {
        const __mmask64 mask = _cvtu64_mask64((~0ULL) >> (64 - (length - i)));
        const __m512i x = _mm512_maskz_loadu_epi8(mask, src + i);
        _mm512_mask_storeu_epi8(dst + i, mask, _mm512_mask_blend_epi8(kept, pf_lookup64(t0, t1, t2, t3, x), x));
    }
}
