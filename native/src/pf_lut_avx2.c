/*
 * AVX2 LUT path, compiled with -mavx2 and only called after CPUID says AVX2 is there.
 *
 * vpshufb looks up 16 entries and yields 0 where the index byte has bit 7 set. For x' = x & 0x7F and
 * i = 0..7, the index x' - 16*i keeps x's low nibble and is negative (bit 7 set) exactly when x' < 16*i.
 * With tables D_0 = T_0 and D_i = T_i ^ T_(i-1) (T_i = entries 16i..16i+15 of one 128-entry half), the XOR of
 * all eight lookups telescopes to T_(x'>>4)[x' & 15]. Both halves share the indices; bit 7 of x then picks
 * the half with one vpblendvb. About 40 instructions per 32 bytes, no gathers.
 */
#include "pf_internal.h"

#include <immintrin.h>

static inline __m256i pf_lookup32(const __m256i* low_tables, const __m256i* high_tables, __m256i x)
{
    const __m256i seven_bits = _mm256_and_si256(x, _mm256_set1_epi8(0x7F));
    __m256i low = _mm256_setzero_si256();
    __m256i high = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
    {
        const __m256i index = _mm256_sub_epi8(seven_bits, _mm256_set1_epi8((char)(16 * i)));
        low = _mm256_xor_si256(low, _mm256_shuffle_epi8(low_tables[i], index));
        high = _mm256_xor_si256(high, _mm256_shuffle_epi8(high_tables[i], index));
    }
    return _mm256_blendv_epi8(low, high, x);
}

void pf_lut_apply_avx2(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep)
{
    /* Bytes to keep (alpha) as a vpblendvb selector: bit 7 set in byte k when bit k of keep is. */
    uint8_t keep_bytes[32];
    for (int k = 0; k < 32; k++)
    {
        keep_bytes[k] = (keep >> k) & 1 ? 0x80 : 0;
    }
    const __m256i kept = _mm256_loadu_si256((const __m256i*)keep_bytes);
    uint8_t telescoped[2][8][16];
    pf_lut_telescoped_tables(lut, telescoped);
    __m256i low_tables[8];
    __m256i high_tables[8];
    for (int i = 0; i < 8; i++)
    {
        low_tables[i] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)telescoped[0][i]));
        high_tables[i] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)telescoped[1][i]));
    }

    int64_t i = 0;
    for (; i + 64 <= length; i += 64)
    {
        const __m256i a = _mm256_loadu_si256((const __m256i*)(src + i));
        const __m256i b = _mm256_loadu_si256((const __m256i*)(src + i + 32));
        _mm256_storeu_si256((__m256i*)(dst + i), _mm256_blendv_epi8(pf_lookup32(low_tables, high_tables, a), a, kept));
        _mm256_storeu_si256((__m256i*)(dst + i + 32), _mm256_blendv_epi8(pf_lookup32(low_tables, high_tables, b), b, kept));
    }
    for (; i + 32 <= length; i += 32)
    {
        const __m256i a = _mm256_loadu_si256((const __m256i*)(src + i));
        _mm256_storeu_si256((__m256i*)(dst + i), _mm256_blendv_epi8(pf_lookup32(low_tables, high_tables, a), a, kept));
    }
    if (i < length)
    {
        pf_lut_apply_scalar(lut, src + i, dst + i, length - i, keep);
    }
}
