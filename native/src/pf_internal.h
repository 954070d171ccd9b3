/* Declarations shared between the library's translation units; not part of the public ABI. */
#ifndef PF_INTERNAL_H
#define PF_INTERNAL_H

#include <stdint.h>

#include "processfarm.h"

/*
 * The apply paths. Preconditions checked by pf_lut_apply_pixels: pointers valid, length > 0, src and dst start
 * on a pixel. `keep` marks the bytes that are copied instead of looked up (alpha), as a pattern over 64 bytes
 * that start on a pixel: bit k for byte k (0x8888...: every fourth byte, RGBA; 0xAAAA...: every second, grey +
 * alpha; 0: none). Every path starts each vector on a multiple of 32 bytes from src, so the pattern holds there.
 */
void pf_lut_apply_scalar(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep);
void pf_lut_apply_avx2(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep);
void pf_lut_apply_avx512bw(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep);
void pf_lut_apply_avx512vbmi(const uint8_t* lut, const uint8_t* src, uint8_t* dst, int64_t length, uint64_t keep);

/*
 * The vpshufb paths' tables: for each 128-entry half h (0 low, 1 high) and i = 0..7, tables[h][i] holds entries
 * 16i..16i+15 of that half XOR entries 16(i-1)..16(i-1)+15 (the first as is), so that XOR-ing the lookups of all
 * sub-tables at or below an input's group telescopes to its entry. See pf_lut_avx2.c.
 */
void pf_lut_telescoped_tables(const uint8_t* lut, uint8_t tables[2][8][16]);

/* Error messages are copied into a fixed buffer inside each codec handle; this is its size. */
#define PF_ERROR_CAPACITY 256

/* snprintf into an error buffer; never fails, always terminates. */
void pf_set_error(char* buffer, const char* format, ...) __attribute__((format(printf, 2, 3)));


/* ---- Codec handles ----------------------------------------------------------------------------------------
 * The public handles dispatch to one format backend each. A backend keeps its own state behind `backend` and
 * reports failures by returning a pf_status after writing `error`. Calls are ordered by `state`. */

typedef enum pf_handle_state
{
    PF_STATE_NEW = 0,
    PF_STATE_ACTIVE = 1,
    PF_STATE_FINISHED = 2,
    PF_STATE_FAILED = 3,
} pf_handle_state;

/* One metadata block (pf_decoder_metadata, pf_encoder_add_metadata). */
typedef struct pf_metadata_block
{
    int32_t kind;
    const uint8_t* data; /* decoder: into the file or libjpeg's saved markers; encoder: owned (malloc'd) */
    int64_t length;
} pf_metadata_block;

struct pf_decoder
{
    int32_t state;
    pf_image_info info;
    int32_t next_row;
    const uint8_t* data;
    int64_t length;
    void* backend;
    pf_metadata_block metadata[PF_MAX_METADATA_BLOCKS];
    int32_t metadata_count;
    uint8_t palette_rgb[768];
    uint8_t palette_alpha[256];
    int32_t palette_alpha_count;
    int32_t palette_bit_depth;
    char error[PF_ERROR_CAPACITY];
};

struct pf_encoder
{
    int32_t state;
    int32_t progressive; /* JPEG: write a progressive file (pf_encoder_set_progressive) */
    int32_t cmyk;        /* JPEG: 0, or 1 (CMYK) / 2 (YCCK) for four-component files (pf_encoder_set_cmyk) */
    int32_t format;
    int32_t width;
    int32_t height;
    int32_t channels;
    int32_t bits; /* 8 or 16 (pf_encoder_set_bits) */
    int32_t next_row;
    void* backend;
    pf_metadata_block metadata[PF_MAX_METADATA_BLOCKS];
    int32_t metadata_count;
    int32_t palette_count; /* 0: no palette (pf_encoder_set_palette) */
    int32_t palette_alpha_count;
    int32_t palette_bit_depth;
    uint8_t palette_rgb[768];
    uint8_t palette_alpha[256];
    char error[PF_ERROR_CAPACITY];
};

/* Appends a block to a decoder's list; silently drops it past PF_MAX_METADATA_BLOCKS. */
void pf_decoder_keep_metadata(pf_decoder* decoder, int32_t kind, const uint8_t* data, int64_t length);

/* JPEG backend (pf_jpeg.c). */
int32_t pf_jpeg_decode_open(pf_decoder* decoder, int64_t max_pixels);
int32_t pf_jpeg_decode_rows(pf_decoder* decoder, uint8_t* dst, int64_t dst_stride, int32_t rows, int32_t* rows_read);
void pf_jpeg_decode_free(pf_decoder* decoder);
int32_t pf_jpeg_encode_begin(pf_encoder* encoder, int32_t quality);
int32_t pf_jpeg_encode_rows(pf_encoder* encoder, const uint8_t* src, int64_t src_stride, int32_t rows);
int32_t pf_jpeg_encode_finish(pf_encoder* encoder, const uint8_t** data, int64_t* length);
void pf_jpeg_encode_free(pf_encoder* encoder);

/* PNG backend (pf_png.c). */
int32_t pf_png_decode_open(pf_decoder* decoder, int64_t max_pixels);
int32_t pf_png_decode_rows(pf_decoder* decoder, uint8_t* dst, int64_t dst_stride, int32_t rows, int32_t* rows_read);
void pf_png_decode_free(pf_decoder* decoder);
int32_t pf_png_encode_begin(pf_encoder* encoder, int32_t compression);
int32_t pf_png_encode_rows(pf_encoder* encoder, const uint8_t* src, int64_t src_stride, int32_t rows);
int32_t pf_png_encode_finish(pf_encoder* encoder, const uint8_t** data, int64_t* length);
void pf_png_encode_free(pf_encoder* encoder);

#endif /* PF_INTERNAL_H */
