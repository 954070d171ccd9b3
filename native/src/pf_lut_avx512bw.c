/*
 * AVX-512 BW LUT path for CPUs with AVX-512 but without VBMI (Skylake-SP, Cascade Lake), compiled with
 * -mavx512f -mavx512bw and only called after CPUID says so. The same telescoping vpshufb scheme as the AVX2
 * path (see pf_lut_avx2.c), 64 bytes at a time, with the half chosen by a mask register instead of vpblendvb.
 */
#include "pf_internal.h"

#include <immintrin.h>

static inline __m512i pf_lookup64_bw(const __m512i* low_tables, const __m512i* high_tables, __m512i x)
{
    const __m512i seven_bits = _mm512_and_si512(x, _mm512_set1_epi8(0x7F));
    __m512i low = _mm512_setzero_si512();
    __m512i high = _mm512_setzero_si512();
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
    {
        const __m512i index = _mm512_sub_epi8(seven_bits, _mm512_set1_epi8((char)(16 * i)));
        low = _mm512_xor_si512(low, _mm512_shuffle_epi8(low_tables[i], index));
        high = _mm512_xor_si512(high, _mm512_shuffle_epi8(high_tables[i], index));
    }
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
}

void pf_lut_apply_avx512bw(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep)
{
    const __mmask64 kept = _cvtu64_mask64(keep);
    uint8_t telescoped[2][8][16];
    pf_lut_telescoped_tables(lut, telescoped);
    __m512i low_tables[8];
    __m512i high_tables[8];
    for (int i = 0; i < 8; i++)
    {
        low_tables[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)telescoped[0][i]));
        high_tables[i] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)telescoped[1][i]));
    }

    int64_t i = 0;
    for (; i + 64 <= length; i += 64)
    {
        const __m512i x = _mm512_loadu_si512(src + i);
        _mm512_storeu_si512(dst + i, _mm512_mask_blend_epi8(kept, pf_lookup64_bw(low_tables, high_tables, x), x));
    }
    if (i < length)
    {
        const __mmask64 mask = _cvtu64_mask64((~0ULL) >> (64 - (length - i)));
        const __m512i x = _mm512_maskz_loadu_epi8(mask, src + i);
        _mm512_mask_storeu_epi8(dst + i, mask, _mm512_mask_blend_epi8(kept, pf_lookup64_bw(low_tables, high_tables, x), x));
    }
}
