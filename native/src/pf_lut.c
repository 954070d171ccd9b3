/* LUT build, the scalar reference and the run-time dispatch. */
#include "processfarm.h"
#include "pf_internal.h"

#include <math.h>
#include <stddef.h>

/*
 * One entry of the curve over `top` + 1 levels (255 or 65535): top * ((x / top) * scale)^exponent, clamped to
 * [0, top] in IEEE double. NaN cannot occur (the base is >= 0, the exponent finite), but +inf can for a huge ev:
 * the clamp handles it. The caller's integer conversion truncates toward zero.
 */
static double pf_curve(int32_t x, double top, double scale, double exponent)
{
    const double y = top * pow(((double)x / top) * scale, exponent);
    return !(y > 0.0) ? 0.0 : (y > top ? top : y);
}

static int pf_curve_arguments_valid(double ev, double gamma)
{
    return isfinite(ev) && isfinite(gamma) && gamma > 0.0;
}

int32_t pf_lut_build(double ev, double gamma, uint8_t* lut)
{
    if (lut == NULL || !pf_curve_arguments_valid(ev, gamma))
    {
        return PF_ERR_ARGUMENT;
    }
    const double scale = pow(2.0, ev);
    const double exponent = 1.0 / gamma;
    for (int32_t x = 0; x < 256; x++)
    {
        lut[x] = (uint8_t)pf_curve(x, 255.0, scale, exponent);
    }
    return PF_OK;
}

void pf_lut_apply_scalar(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep)
{
    if (keep != 0)
    {
        /* The pattern repeats every 2 or 4 bytes (keep_period in pf_lut_apply_pixels); src starts on a pixel. */
        const int64_t period = (keep & 0xF) == 0x8 ? 4 : 2;
        for (int64_t i = 0; i + period <= length; i += period)
        {
            for (int64_t c = 0; c < period - 1; c++)
            {
                dst[i + c] = lut[src[i + c]];
            }
            dst[i + period - 1] = src[i + period - 1];
        }
        return;
    }
    int64_t i = 0;
    for (; i + 8 <= length; i += 8)
    {
        /* Loads first, then stores: correct when src == dst and lets the CPU overlap the table reads. */
        const uint8_t a = lut[src[i]], b = lut[src[i + 1]], c = lut[src[i + 2]], d = lut[src[i + 3]];
        const uint8_t e = lut[src[i + 4]], f = lut[src[i + 5]], g = lut[src[i + 6]], h = lut[src[i + 7]];
        dst[i] = a;
        dst[i + 1] = b;
        dst[i + 2] = c;
        dst[i + 3] = d;
        dst[i + 4] = e;
        dst[i + 5] = f;
        dst[i + 6] = g;
        dst[i + 7] = h;
    }
    for (; i < length; i++)
    {
        dst[i] = lut[src[i]];
    }
}

void pf_lut_telescoped_tables(const uint8_t* lut, uint8_t tables[2][8][16])
{
    for (int half = 0; half < 2; half++)
    {
        for (int i = 0; i < 8; i++)
        {
            for (int k = 0; k < 16; k++)
            {
                const uint8_t entry = lut[128 * half + 16 * i + k];
                tables[half][i][k] = i == 0 ? entry : (uint8_t)(entry ^ lut[128 * half + 16 * (i - 1) + k]);
            }
        }
    }
}

int32_t pf_kernel_supported(int32_t kernel)
{
    switch (kernel)
    {
        case PF_KERNEL_AUTO:
        case PF_KERNEL_SCALAR:
            return 1;
        case PF_KERNEL_AVX2:
            return __builtin_cpu_supports("avx2") ? 1 : 0;
        case PF_KERNEL_AVX512BW:
            /* libgcc sets these bits only when the OS also saves the ZMM state (XGETBV). */
            return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) ? 1 : 0;
        case PF_KERNEL_AVX512VBMI:
            return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vbmi"))
                       ? 1
                       : 0;
        default:
            return 0;
    }
}

int32_t pf_kernel_best(void)
{
    if (pf_kernel_supported(PF_KERNEL_AVX512VBMI))
    {
        return PF_KERNEL_AVX512VBMI;
    }
    if (pf_kernel_supported(PF_KERNEL_AVX512BW))
    {
        return PF_KERNEL_AVX512BW;
    }
    if (pf_kernel_supported(PF_KERNEL_AVX2))
    {
        return PF_KERNEL_AVX2;
    }
    return PF_KERNEL_SCALAR;
}

int32_t pf_lut_apply(int32_t kernel, const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length)
{
    return pf_lut_apply_pixels(kernel, lut, src, dst, length, 1);
}

int32_t pf_lut_apply_pixels(int32_t kernel, const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length,
                            int32_t channels)
{
    if (length < 0 || (length > 0 && (lut == NULL || src == NULL || dst == NULL)) || channels < 1 || channels > 4 ||
        length % channels != 0)
    {
        return PF_ERR_ARGUMENT;
    }
    /* Alpha is the last channel of grey + alpha and RGBA pixels: marked in a 64-byte pattern (see pf_internal.h). */
    const uint64_t keep = channels == 4 ? 0x8888888888888888ULL : channels == 2 ? 0xAAAAAAAAAAAAAAAAULL : 0;
    if (kernel < PF_KERNEL_AUTO || kernel > PF_KERNEL_AVX512BW)
    {
        return PF_ERR_ARGUMENT;
    }
    if (kernel == PF_KERNEL_AUTO)
    {
        kernel = pf_kernel_best();
    }
    else if (!pf_kernel_supported(kernel))
    {
        return PF_ERR_UNSUPPORTED;
    }
    if (length == 0)
    {
        return PF_OK;
    }

    switch (kernel)
    {
        case PF_KERNEL_AVX512VBMI:
            pf_lut_apply_avx512vbmi(lut, src, dst, length, keep);
            break;
        case PF_KERNEL_AVX512BW:
            pf_lut_apply_avx512bw(lut, src, dst, length, keep);
            break;
        case PF_KERNEL_AVX2:
            pf_lut_apply_avx2(lut, src, dst, length, keep);
            break;
        default:
            pf_lut_apply_scalar(lut, src, dst, length, keep);
            break;
    }
    return PF_OK;
}

int32_t pf_lut16_build(double ev, double gamma, uint16_t* lut)
{
    if (lut == NULL || !pf_curve_arguments_valid(ev, gamma))
    {
        return PF_ERR_ARGUMENT;
    }
    const double scale = pow(2.0, ev);
    const double exponent = 1.0 / gamma;
    for (int32_t x = 0; x < 65536; x++)
    {
        lut[x] = (uint16_t)pf_curve(x, 65535.0, scale, exponent);
    }
    return PF_OK;
}

int32_t pf_lut16_apply(const uint16_t* lut, const uint16_t* src, uint16_t* dst, int64_t samples, int32_t channels)
{
    if (samples < 0 || (samples > 0 && (lut == NULL || src == NULL || dst == NULL)) || channels < 1 || channels > 4 ||
        samples % channels != 0)
    {
        return PF_ERR_ARGUMENT;
    }
    /*
     * Scalar on purpose: a 128 KB table does not fit a register file, and AVX-512 gathers measured no faster than
     * these independent loads (docs/RESULTS.md, "16-bit"). Loads first, then stores, so src == dst works.
     */
    if (channels == 2 || channels == 4)
    {
        const int64_t pixels = samples / channels;
        const int32_t colours = channels - 1;
        for (int64_t p = 0; p < pixels; p++)
        {
            const uint16_t* in = src + p * channels;
            uint16_t* out = dst + p * channels;
            const uint16_t alpha = in[colours];
            if (colours == 3)
            {
                const uint16_t r = lut[in[0]], g = lut[in[1]], b = lut[in[2]];
                out[0] = r;
                out[1] = g;
                out[2] = b;
            }
            else
            {
                out[0] = lut[in[0]];
            }
            out[colours] = alpha;
        }
        return PF_OK;
    }
    int64_t i = 0;
    for (; i + 4 <= samples; i += 4)
    {
        const uint16_t a = lut[src[i]], b = lut[src[i + 1]], c = lut[src[i + 2]], d = lut[src[i + 3]];
        dst[i] = a;
        dst[i + 1] = b;
        dst[i + 2] = c;
        dst[i + 3] = d;
    }
    for (; i < samples; i++)
    {
        dst[i] = lut[src[i]];
    }
    return PF_OK;
}
