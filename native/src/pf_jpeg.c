/*
 * JPEG backend over libjpeg-turbo's libjpeg API. libjpeg reports fatal errors through error_exit, which must
 * not return: ours formats the message into the handle and longjmps back to the setjmp at the top of the
 * export that called into libjpeg, so no longjmp ever crosses the ABI. State touched after setjmp lives in
 * the heap-allocated backend struct, not in locals.
 */
#include "pf_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jerror.h>
#include <jpeglib.h>

typedef struct pf_jpeg_error
{
    struct jpeg_error_mgr base; /* must stay first: libjpeg hands back a pointer to it */
    jmp_buf jump;
    char* message;
} pf_jpeg_error;

typedef struct pf_jpeg_decode
{
    struct jpeg_decompress_struct cinfo;
    pf_jpeg_error error;
} pf_jpeg_decode;

/*
 * Our own growable memory destination rather than jpeg_mem_dest: jpeg_mem_dest only publishes its buffer in
 * term_destination, so an encoder destroyed half-way (a streamed run that failed) could not know which block to
 * free. Here the block is always ours, whatever point the compressor stopped at.
 */
typedef struct pf_jpeg_destination
{
    struct jpeg_destination_mgr base;
    unsigned char* buffer; /* realloc'd as it grows; freed by pf_jpeg_encode_free */
    size_t capacity;
    size_t length; /* bytes written, set by term_destination */
} pf_jpeg_destination;

typedef struct pf_jpeg_encode
{
    struct jpeg_compress_struct cinfo;
    pf_jpeg_error error;
    pf_jpeg_destination destination;
} pf_jpeg_encode;

static void pf_jpeg_destination_init(j_compress_ptr cinfo)
{
    pf_jpeg_destination* destination = (pf_jpeg_destination*)cinfo->dest;
    destination->base.next_output_byte = destination->buffer;
    destination->base.free_in_buffer = destination->capacity;
}

static boolean pf_jpeg_destination_grow(j_compress_ptr cinfo)
{
    /* Called when the buffer is full (free_in_buffer == 0): double it; running out of memory ends the encode. */
    pf_jpeg_destination* destination = (pf_jpeg_destination*)cinfo->dest;
    const size_t used = destination->capacity;
    unsigned char* grown = (unsigned char*)realloc(destination->buffer, used * 2);
    if (grown == NULL)
    {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
    }
    destination->buffer = grown;
    destination->capacity = used * 2;
    destination->base.next_output_byte = grown + used;
    destination->base.free_in_buffer = used;
    return TRUE;
}

static void pf_jpeg_destination_term(j_compress_ptr cinfo)
{
    pf_jpeg_destination* destination = (pf_jpeg_destination*)cinfo->dest;
    destination->length = destination->capacity - destination->base.free_in_buffer;
}

static void pf_jpeg_error_exit(j_common_ptr cinfo)
{
    pf_jpeg_error* error = (pf_jpeg_error*)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    pf_set_error(error->message, "JPEG: %s", text);
    longjmp(error->jump, 1);
}

static void pf_jpeg_emit_message(j_common_ptr cinfo, int level)
{
    /*
     * Level -1 is a warning, and every warning is an error here. That is safe because libjpeg(-turbo) warns only
     * about data that breaks the standard, and then carries on with a guess: entropy data that is corrupt
     * (JWRN_HUFF_BAD_CODE, JWRN_ARITH_BAD_CODE), that ends before the image does (JWRN_HIT_MARKER,
     * JWRN_JPEG_EOF: the rest is painted grey), stray bytes before a marker (JWRN_EXTRANEOUS_DATA), restart
     * markers out of order (JWRN_MUST_RESYNC), scans that contradict each other (JWRN_BOGUS_PROGRESSION,
     * JWRN_NOT_SEQUENTIAL) or header fields out of range (JWRN_ADOBE_XFORM, JWRN_JFIF_MAJOR). A conforming file
     * raises none, so only broken files are refused, and none of them is silently turned into a grey image. (The
     * others, JWRN_TOO_MUCH_DATA and JWRN_BOGUS_ICC, come from API misuse and jpeg_read_icc_profile, neither of
     * which happens here.) Levels 0 and up are trace messages: ignored.
     */
    if (level < 0)
    {
        pf_jpeg_error_exit(cinfo);
    }
}

static void pf_jpeg_error_init(pf_jpeg_error* error, char* message)
{
    jpeg_std_error(&error->base);
    error->base.error_exit = pf_jpeg_error_exit;
    error->base.emit_message = pf_jpeg_emit_message;
    error->message = message;
}

int32_t pf_jpeg_decode_open(pf_decoder* decoder, int64_t max_pixels)
{
    pf_jpeg_decode* jpeg = (pf_jpeg_decode*)calloc(1, sizeof(pf_jpeg_decode));
    if (jpeg == NULL)
    {
        pf_set_error(decoder->error, "out of memory");
        return PF_ERR_NO_MEMORY;
    }
    decoder->backend = jpeg;
    pf_jpeg_error_init(&jpeg->error, decoder->error);
    jpeg->cinfo.err = &jpeg->error.base;
    if (setjmp(jpeg->error.jump))
    {
        return PF_ERR_FORMAT;
    }

    jpeg_create_decompress(&jpeg->cinfo);
    jpeg_mem_src(&jpeg->cinfo, decoder->data, (unsigned long)decoder->length);
    jpeg_read_header(&jpeg->cinfo, TRUE);

    struct jpeg_decompress_struct* cinfo = &jpeg->cinfo;
    if ((int64_t)cinfo->image_width * (int64_t)cinfo->image_height > max_pixels)
    {
        pf_set_error(decoder->error, "JPEG declares %ux%u pixels, more than the limit of %lld",
                     cinfo->image_width, cinfo->image_height, (long long)max_pixels);
        return PF_ERR_TOO_LARGE;
    }
    switch (cinfo->jpeg_color_space)
    {
        case JCS_GRAYSCALE:
            cinfo->out_color_space = JCS_GRAYSCALE;
            break;
        case JCS_CMYK:
        case JCS_YCCK:
            pf_set_error(decoder->error, "CMYK JPEG files are not supported; convert the image to RGB first");
            return PF_ERR_UNSUPPORTED;
        default:
            cinfo->out_color_space = JCS_RGB;
            break;
    }

    jpeg_start_decompress(cinfo);
    decoder->info.width = (int32_t)cinfo->output_width;
    decoder->info.height = (int32_t)cinfo->output_height;
    decoder->info.channels = cinfo->output_components;
    return PF_OK;
}

int32_t pf_jpeg_decode_rows(pf_decoder* decoder, uint8_t* dst, int64_t dst_stride, int32_t rows, int32_t* rows_read)
{
    pf_jpeg_decode* jpeg = (pf_jpeg_decode*)decoder->backend;
    struct jpeg_decompress_struct* cinfo = &jpeg->cinfo;
    if (setjmp(jpeg->error.jump))
    {
        return PF_ERR_FORMAT;
    }

    /* *rows_read is updated as rows arrive, so it is exact even if libjpeg longjmps out mid-way. */
    while (*rows_read < rows && cinfo->output_scanline < cinfo->output_height)
    {
        JSAMPROW pointers[16];
        int32_t batch = rows - *rows_read;
        if (batch > 16)
        {
            batch = 16;
        }
        for (int32_t r = 0; r < batch; r++)
        {
            pointers[r] = dst + (int64_t)(*rows_read + r) * dst_stride;
        }
        *rows_read += (int32_t)jpeg_read_scanlines(cinfo, pointers, (JDIMENSION)batch);
    }
    if (cinfo->output_scanline >= cinfo->output_height)
    {
        jpeg_finish_decompress(cinfo);
    }
    return PF_OK;
}

void pf_jpeg_decode_free(pf_decoder* decoder)
{
    pf_jpeg_decode* jpeg = (pf_jpeg_decode*)decoder->backend;
    if (jpeg != NULL)
    {
        jpeg_destroy_decompress(&jpeg->cinfo);
        free(jpeg);
        decoder->backend = NULL;
    }
}

int32_t pf_jpeg_encode_begin(pf_encoder* encoder, int32_t quality)
{
    pf_jpeg_encode* jpeg = (pf_jpeg_encode*)calloc(1, sizeof(pf_jpeg_encode));
    if (jpeg == NULL)
    {
        pf_set_error(encoder->error, "out of memory");
        return PF_ERR_NO_MEMORY;
    }
    encoder->backend = jpeg;
    pf_jpeg_error_init(&jpeg->error, encoder->error);
    jpeg->cinfo.err = &jpeg->error.base;
    if (setjmp(jpeg->error.jump))
    {
        return PF_ERR_FORMAT;
    }

    jpeg_create_compress(&jpeg->cinfo);
    jpeg->destination.capacity = 1 << 16;
    jpeg->destination.buffer = (unsigned char*)malloc(jpeg->destination.capacity);
    if (jpeg->destination.buffer == NULL)
    {
        pf_set_error(encoder->error, "out of memory");
        return PF_ERR_NO_MEMORY;
    }
    jpeg->destination.base.init_destination = pf_jpeg_destination_init;
    jpeg->destination.base.empty_output_buffer = pf_jpeg_destination_grow;
    jpeg->destination.base.term_destination = pf_jpeg_destination_term;
    jpeg->cinfo.dest = &jpeg->destination.base;
    jpeg->cinfo.image_width = (JDIMENSION)encoder->width;
    jpeg->cinfo.image_height = (JDIMENSION)encoder->height;
    jpeg->cinfo.input_components = encoder->channels;
    /* JCS_EXT_RGBX (libjpeg-turbo) reads 4-byte pixels and ignores the fourth: JPEG has no alpha. */
    jpeg->cinfo.in_color_space =
        encoder->channels == 1 ? JCS_GRAYSCALE : (encoder->channels == 3 ? JCS_RGB : JCS_EXT_RGBX);
    jpeg_set_defaults(&jpeg->cinfo);
    jpeg_set_quality(&jpeg->cinfo, quality, TRUE);
    jpeg_start_compress(&jpeg->cinfo, TRUE);
    return PF_OK;
}

int32_t pf_jpeg_encode_rows(pf_encoder* encoder, const uint8_t* src, int64_t src_stride, int32_t rows)
{
    pf_jpeg_encode* jpeg = (pf_jpeg_encode*)encoder->backend;
    if (setjmp(jpeg->error.jump))
    {
        return PF_ERR_FORMAT;
    }
    for (int32_t done = 0; done < rows;)
    {
        JSAMPROW pointers[16];
        const int32_t batch = rows - done > 16 ? 16 : rows - done;
        for (int32_t r = 0; r < batch; r++)
        {
            /* libjpeg's API is not const-correct; it does not write through these pointers. */
            pointers[r] = (JSAMPROW)(src + (int64_t)(done + r) * src_stride);
        }
        done += (int32_t)jpeg_write_scanlines(&jpeg->cinfo, pointers, (JDIMENSION)batch);
    }
    return PF_OK;
}

int32_t pf_jpeg_encode_finish(pf_encoder* encoder, const uint8_t** data, int64_t* length)
{
    pf_jpeg_encode* jpeg = (pf_jpeg_encode*)encoder->backend;
    if (setjmp(jpeg->error.jump))
    {
        return PF_ERR_FORMAT;
    }
    jpeg_finish_compress(&jpeg->cinfo);
    *data = jpeg->destination.buffer;
    *length = (int64_t)jpeg->destination.length;
    return PF_OK;
}

void pf_jpeg_encode_free(pf_encoder* encoder)
{
    pf_jpeg_encode* jpeg = (pf_jpeg_encode*)encoder->backend;
    if (jpeg != NULL)
    {
        jpeg_destroy_compress(&jpeg->cinfo);
        free(jpeg->destination.buffer);
        free(jpeg);
        encoder->backend = NULL;
    }
}
