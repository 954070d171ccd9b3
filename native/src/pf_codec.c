/* The public decoder/encoder handles: argument checks, call order, and dispatch to the format backends. */
#include "pf_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_set_error(char* buffer, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, PF_ERROR_CAPACITY, format, args);
    va_end(args);
}

static int32_t pf_detect_format(const uint8_t* data, int64_t length)
{
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    {
        return PF_FORMAT_JPEG;
    }
    if (length >= 8 && memcmp(data, png_signature, 8) == 0)
    {
        return PF_FORMAT_PNG;
    }
    return PF_FORMAT_UNKNOWN;
}

void pf_decoder_keep_metadata(pf_decoder* decoder, int32_t kind, const uint8_t* data, int64_t length)
{
    if (decoder->metadata_count < PF_MAX_METADATA_BLOCKS)
    {
        decoder->metadata[decoder->metadata_count++] = (pf_metadata_block){kind, data, length};
    }
}

int32_t pf_decoder_metadata(const pf_decoder* decoder, int32_t index, int32_t* kind, const uint8_t** data,
                            int64_t* length)
{
    if (decoder == NULL || kind == NULL || data == NULL || length == NULL || decoder->state == PF_STATE_NEW ||
        decoder->state == PF_STATE_FAILED || index < 0 || index >= decoder->metadata_count)
    {
        return PF_ERR_ARGUMENT;
    }
    *kind = decoder->metadata[index].kind;
    *data = decoder->metadata[index].data;
    *length = decoder->metadata[index].length;
    return PF_OK;
}

int32_t pf_decoder_palette(const pf_decoder* decoder, uint8_t* rgb, uint8_t* alpha, int32_t* alpha_count,
                           int32_t* bit_depth)
{
    if (decoder == NULL || rgb == NULL || alpha == NULL || alpha_count == NULL || bit_depth == NULL ||
        decoder->info.palette == 0)
    {
        return PF_ERR_ARGUMENT;
    }
    memcpy(rgb, decoder->palette_rgb, sizeof(decoder->palette_rgb));
    memcpy(alpha, decoder->palette_alpha, sizeof(decoder->palette_alpha));
    *alpha_count = decoder->palette_alpha_count;
    *bit_depth = decoder->palette_bit_depth;
    return PF_OK;
}

pf_decoder* pf_decoder_create(void)
{
    return (pf_decoder*)calloc(1, sizeof(pf_decoder));
}

void pf_decoder_destroy(pf_decoder* decoder)
{
    if (decoder == NULL)
    {
        return;
    }
    if (decoder->info.format == PF_FORMAT_JPEG)
    {
        pf_jpeg_decode_free(decoder);
    }
    else if (decoder->info.format == PF_FORMAT_PNG)
    {
        pf_png_decode_free(decoder);
    }
    free(decoder);
}

int32_t pf_decoder_open(pf_decoder* decoder, const uint8_t* data, int64_t length, int64_t max_pixels,
                        pf_image_info* info)
{
    if (decoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (decoder->state != PF_STATE_NEW || info == NULL || length < 0 || (data == NULL && length > 0) ||
        max_pixels < 1)
    {
        pf_set_error(decoder->error, "pf_decoder_open: invalid argument or decoder already opened");
        return PF_ERR_ARGUMENT;
    }
    decoder->info.bits = 8;

    decoder->data = data;
    decoder->length = length;
    decoder->info.format = pf_detect_format(data, length);

    int32_t status;
    switch (decoder->info.format)
    {
        case PF_FORMAT_JPEG:
            status = pf_jpeg_decode_open(decoder, max_pixels);
            break;
        case PF_FORMAT_PNG:
            status = pf_png_decode_open(decoder, max_pixels);
            break;
        default:
            pf_set_error(decoder->error, length == 0 ? "the file is empty"
                                                     : "not a JPEG or PNG file (unrecognised signature)");
            status = PF_ERR_FORMAT;
            break;
    }

    decoder->state = status == PF_OK ? PF_STATE_ACTIVE : PF_STATE_FAILED;
    *info = decoder->info;
    return status;
}

int32_t pf_decoder_read_rows(pf_decoder* decoder, uint8_t* dst, int64_t dst_stride, int32_t rows,
                             int32_t* rows_read)
{
    if (decoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (decoder->state != PF_STATE_ACTIVE && decoder->state != PF_STATE_FINISHED)
    {
        pf_set_error(decoder->error, "pf_decoder_read_rows: the decoder is not open");
        return PF_ERR_ARGUMENT;
    }
    if (dst == NULL || rows_read == NULL || rows < 0 ||
        dst_stride < (int64_t)decoder->info.width * decoder->info.channels * (decoder->info.bits / 8))
    {
        pf_set_error(decoder->error, "pf_decoder_read_rows: invalid argument");
        return PF_ERR_ARGUMENT;
    }

    *rows_read = 0;
    if (decoder->state == PF_STATE_FINISHED || rows == 0)
    {
        return PF_OK;
    }

    const int32_t status = decoder->info.format == PF_FORMAT_JPEG
                               ? pf_jpeg_decode_rows(decoder, dst, dst_stride, rows, rows_read)
                               : pf_png_decode_rows(decoder, dst, dst_stride, rows, rows_read);
    if (status != PF_OK)
    {
        decoder->state = PF_STATE_FAILED;
        return status;
    }
    decoder->next_row += *rows_read;
    if (decoder->next_row >= decoder->info.height)
    {
        decoder->state = PF_STATE_FINISHED;
    }
    return PF_OK;
}

const char* pf_decoder_error(const pf_decoder* decoder)
{
    return decoder == NULL ? "no decoder" : decoder->error;
}

pf_encoder* pf_encoder_create(void)
{
    return (pf_encoder*)calloc(1, sizeof(pf_encoder));
}

void pf_encoder_destroy(pf_encoder* encoder)
{
    if (encoder == NULL)
    {
        return;
    }
    if (encoder->format == PF_FORMAT_JPEG)
    {
        pf_jpeg_encode_free(encoder);
    }
    else if (encoder->format == PF_FORMAT_PNG)
    {
        pf_png_encode_free(encoder);
    }
    for (int32_t i = 0; i < encoder->metadata_count; i++)
    {
        free((void*)encoder->metadata[i].data);
    }
    free(encoder);
}

int32_t pf_encoder_set_cmyk(pf_encoder* encoder, int32_t ycck)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_NEW)
    {
        pf_set_error(encoder->error, "pf_encoder_set_cmyk: the encoder has already begun");
        return PF_ERR_ARGUMENT;
    }
    encoder->cmyk = ycck ? 2 : 1;
    return PF_OK;
}

int32_t pf_encoder_set_bits(pf_encoder* encoder, int32_t bits)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_NEW || (bits != 8 && bits != 16))
    {
        pf_set_error(encoder->error, "pf_encoder_set_bits: bits must be 8 or 16, before pf_encoder_begin");
        return PF_ERR_ARGUMENT;
    }
    encoder->bits = bits;
    return PF_OK;
}

int32_t pf_encoder_set_palette(pf_encoder* encoder, const uint8_t* rgb, int32_t count, const uint8_t* alpha,
                               int32_t alpha_count, int32_t bit_depth)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_NEW || rgb == NULL || count < 1 || count > 256 || alpha_count < 0 ||
        alpha_count > count || (alpha_count > 0 && alpha == NULL) ||
        (bit_depth != 1 && bit_depth != 2 && bit_depth != 4 && bit_depth != 8) || count > (1 << bit_depth))
    {
        pf_set_error(encoder->error, "pf_encoder_set_palette: invalid palette, or after pf_encoder_begin");
        return PF_ERR_ARGUMENT;
    }
    memcpy(encoder->palette_rgb, rgb, (size_t)count * 3);
    if (alpha_count > 0)
    {
        memcpy(encoder->palette_alpha, alpha, (size_t)alpha_count);
    }
    encoder->palette_count = count;
    encoder->palette_alpha_count = alpha_count;
    encoder->palette_bit_depth = bit_depth;
    return PF_OK;
}

int32_t pf_encoder_add_metadata(pf_encoder* encoder, int32_t kind, const uint8_t* data, int64_t length)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_NEW || encoder->metadata_count >= PF_MAX_METADATA_BLOCKS || length < 0 ||
        length > 0x7FFFFFFF || (data == NULL && length > 0))
    {
        pf_set_error(encoder->error, "pf_encoder_add_metadata: invalid block, too many, or after pf_encoder_begin");
        return PF_ERR_ARGUMENT;
    }
    uint8_t* copy = (uint8_t*)malloc(length > 0 ? (size_t)length : 1);
    if (copy == NULL)
    {
        pf_set_error(encoder->error, "out of memory");
        return PF_ERR_NO_MEMORY;
    }
    if (length > 0)
    {
        memcpy(copy, data, (size_t)length);
    }
    encoder->metadata[encoder->metadata_count++] = (pf_metadata_block){kind, copy, length};
    return PF_OK;
}

int32_t pf_encoder_set_progressive(pf_encoder* encoder, int32_t progressive)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_NEW)
    {
        pf_set_error(encoder->error, "pf_encoder_set_progressive: the encoder has already begun");
        return PF_ERR_ARGUMENT;
    }
    encoder->progressive = progressive != 0;
    return PF_OK;
}

int32_t pf_encoder_begin(pf_encoder* encoder, int32_t format, int32_t width, int32_t height, int32_t channels,
                         int32_t quality, int32_t compression)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    const int32_t bits = encoder->bits == 16 ? 16 : 8;
    const int jpeg_ok = format == PF_FORMAT_JPEG && (channels == 1 || channels == 3 || channels == 4) && bits == 8 &&
                        encoder->palette_count == 0 && (encoder->cmyk == 0 || channels == 4);
    const int png_ok = format == PF_FORMAT_PNG && channels >= 1 && channels <= 4 && encoder->cmyk == 0 &&
                       (encoder->palette_count == 0 || (channels == 1 && bits == 8));
    int metadata_ok = 1;
    for (int32_t i = 0; i < encoder->metadata_count; i++)
    {
        const pf_metadata_block* block = &encoder->metadata[i];
        if (format == PF_FORMAT_JPEG &&
            (!((block->kind >= 0xE0 && block->kind <= 0xEF) || block->kind == 0xFE) || block->length < 1 ||
             block->length > 65533))
        {
            metadata_ok = 0;
        }
        if (format == PF_FORMAT_PNG)
        {
            /* Four letters, the first lower-case: an ancillary chunk, never one that would change the image. */
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                const int c = (block->kind >> shift) & 0xFF;
                metadata_ok &= (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
            }
            metadata_ok &= ((block->kind >> 24) & 0x20) != 0;
        }
    }
    const int valid = encoder->state == PF_STATE_NEW && width > 0 && height > 0 && (jpeg_ok || png_ok) &&
                      metadata_ok && quality >= 1 && quality <= 100 && compression >= 0 && compression <= 9;
    if (!valid)
    {
        pf_set_error(encoder->error, "pf_encoder_begin: invalid argument or encoder already started");
        return PF_ERR_ARGUMENT;
    }

    encoder->format = format;
    encoder->width = width;
    encoder->height = height;
    encoder->channels = channels;
    encoder->bits = bits;
    const int32_t status = format == PF_FORMAT_JPEG ? pf_jpeg_encode_begin(encoder, quality)
                                                    : pf_png_encode_begin(encoder, compression);
    encoder->state = status == PF_OK ? PF_STATE_ACTIVE : PF_STATE_FAILED;
    return status;
}

int32_t pf_encoder_write_rows(pf_encoder* encoder, const uint8_t* src, int64_t src_stride, int32_t rows)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_ACTIVE || src == NULL || rows < 0 ||
        src_stride < (int64_t)encoder->width * encoder->channels * (encoder->bits / 8) ||
        rows > encoder->height - encoder->next_row)
    {
        pf_set_error(encoder->error, "pf_encoder_write_rows: invalid argument, state or row count");
        return PF_ERR_ARGUMENT;
    }

    const int32_t status = encoder->format == PF_FORMAT_JPEG ? pf_jpeg_encode_rows(encoder, src, src_stride, rows)
                                                             : pf_png_encode_rows(encoder, src, src_stride, rows);
    if (status != PF_OK)
    {
        encoder->state = PF_STATE_FAILED;
        return status;
    }
    encoder->next_row += rows;
    return PF_OK;
}

int32_t pf_encoder_finish(pf_encoder* encoder, const uint8_t** data, int64_t* length)
{
    if (encoder == NULL)
    {
        return PF_ERR_ARGUMENT;
    }
    if (encoder->state != PF_STATE_ACTIVE || encoder->next_row != encoder->height || data == NULL ||
        length == NULL)
    {
        pf_set_error(encoder->error, "pf_encoder_finish: not every row was written, or invalid argument");
        return PF_ERR_ARGUMENT;
    }

    const int32_t status = encoder->format == PF_FORMAT_JPEG ? pf_jpeg_encode_finish(encoder, data, length)
                                                             : pf_png_encode_finish(encoder, data, length);
    encoder->state = status == PF_OK ? PF_STATE_FINISHED : PF_STATE_FAILED;
    return status;
}

const char* pf_encoder_error(const pf_encoder* encoder)
{
    return encoder == NULL ? "no encoder" : encoder->error;
}
