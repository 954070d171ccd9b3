/*
 * (Over 300 lines on purpose: the decoder and the encoder share this file's error manager, memory budget and
 * destination manager, which must stay next to the setjmp discipline described below.)
 *
 * JPEG backend over libjpeg-turbo's libjpeg API. libjpeg reports fatal errors through error_exit, which must
 * not return: ours formats the message into the handle and longjmps back to the setjmp at the top of the
 * export that called into libjpeg, so no longjmp ever crosses the ABI. State touched after setjmp lives in
 * the heap-allocated backend struct, not in locals.
 */
#include "pf_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    struct jpeg_progress_mgr progress; /* counts scans: see PF_JPEG_MAX_SCANS */
} pf_jpeg_decode;

/*
 * How much memory a file may make the decoder take is bounded by what its data can really describe.
 *
 * A Huffman-coded scan spends at least one bit on each 8x8 block it carries a DC value for (JPEG's shortest code
 * is one bit, and DC values have no run-length form), and every block of every component needs its DC value
 * (pf_jpeg_check_progression enforces that for progressive files; a sequential scan codes each block whole). So
 * a file with R bytes after its first scan header describes at most 8 * R blocks, whatever its header says: a
 * header declaring more was cut or forged, and is refused before libjpeg sizes anything from it. A flat 500 MP
 * image still needs about 1.5 MB; a 296 KB file declaring it is refused at once instead of costing 2.9 GB of
 * coefficient buffers and seconds of grey fill.
 */
#define PF_JPEG_BLOCKS_PER_BYTE 8

/*
 * What libjpeg-turbo allocates besides the whole-image coefficient buffers of a multi-scan file: row buffers for
 * the IDCT, upsampling and colour conversion (a few dozen rows of the image's width per component) and small
 * tables. A generous estimate; cinfo->mem->max_memory_to_use is set to it plus the coefficient buffers the image
 * needs, so that libjpeg's jmemnobs fails ("backing store not supported") rather than allocate past that.
 */
#define PF_JPEG_FIXED_MEMORY ((int64_t)16 << 20)
#define PF_JPEG_MEMORY_PER_COLUMN_AND_COMPONENT 256

/*
 * Each scan of a multi-scan file passes over the whole coefficient buffer, so the number of scans multiplies the
 * decoding time; libjpeg-turbo suggests a limit (its djpeg -maxscans). Encoders write about ten.
 */
#define PF_JPEG_MAX_SCANS 500

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
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE)
    {
        pf_set_error(error->message, "JPEG: decoding needs more than the %ld bytes of memory this image may take (%s)",
                     cinfo->mem->max_memory_to_use, text);
    }
    else
    {
        pf_set_error(error->message, "JPEG: %s", text);
    }
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

static void pf_jpeg_count_scans(j_common_ptr cinfo)
{
    const j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (decompress->input_scan_number > PF_JPEG_MAX_SCANS)
    {
        pf_jpeg_error* error = (pf_jpeg_error*)cinfo->err;
        pf_set_error(error->message, "JPEG: the file has more than %d scans; it is refused as hostile",
                     PF_JPEG_MAX_SCANS);
        longjmp(error->jump, 1);
    }
}

/*
 * Refuses what cannot be bounded and sets libjpeg's memory limit; called after jpeg_read_header. Returns PF_OK or
 * a status with the error set.
 */
static int32_t pf_jpeg_limit_resources(pf_decoder* decoder, j_decompress_ptr cinfo)
{
    if (cinfo->arith_code)
    {
        /* The arithmetic coder can describe a block in a small fraction of a bit, and pads data that ends early
           with zeros without a warning: no size bound can be read off such a file. */
        pf_set_error(decoder->error, "arithmetic-coded JPEG files are not supported; re-encode the image with "
                                     "Huffman coding (e.g. jpegtran -optimize)");
        return PF_ERR_UNSUPPORTED;
    }

    int64_t blocks = 0;
    int64_t coefficient_bytes = 0;
    for (int ci = 0; ci < cinfo->num_components; ci++)
    {
        const jpeg_component_info* component = &cinfo->comp_info[ci];
        blocks += (int64_t)component->width_in_blocks * component->height_in_blocks;
        /* As jdcoefct.c sizes its whole-image buffers: padded to whole MCUs. */
        const int64_t columns = ((int64_t)component->width_in_blocks + component->h_samp_factor - 1) /
                                component->h_samp_factor * component->h_samp_factor;
        const int64_t rows = ((int64_t)component->height_in_blocks + component->v_samp_factor - 1) /
                             component->v_samp_factor * component->v_samp_factor;
        coefficient_bytes += columns * rows * (int64_t)sizeof(JBLOCK);
    }
    const int64_t data_bytes = (int64_t)cinfo->src->bytes_in_buffer;
    if (blocks > data_bytes * PF_JPEG_BLOCKS_PER_BYTE)
    {
        pf_set_error(decoder->error,
                     "JPEG declares %ux%u pixels (%lld blocks) but has only %lld bytes of image data, which can "
                     "describe at most %lld: the file is truncated or corrupt",
                     cinfo->image_width, cinfo->image_height, (long long)blocks, (long long)data_bytes,
                     (long long)(data_bytes * PF_JPEG_BLOCKS_PER_BYTE));
        return PF_ERR_FORMAT;
    }

    int64_t budget = PF_JPEG_FIXED_MEMORY +
                     (int64_t)PF_JPEG_MEMORY_PER_COLUMN_AND_COMPONENT * cinfo->image_width * cinfo->num_components;
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next)
    {
        budget += (int64_t)marker->data_length + (int64_t)sizeof(struct jpeg_marker_struct); /* kept metadata */
    }
    if (jpeg_has_multiple_scans(cinfo))
    {
        budget += coefficient_bytes;
    }
    cinfo->mem->max_memory_to_use = (long)budget;
    return PF_OK;
}

/*
 * After jpeg_start_decompress has read every scan of a progressive file: each component must have received its DC
 * values, or the file stopped before its first scans were complete (the bound in pf_jpeg_limit_resources relies on
 * it). Later scans only refine, so a file that stops between them is a valid, coarser image.
 */
static int32_t pf_jpeg_check_progression(pf_decoder* decoder, j_decompress_ptr cinfo)
{
    if (!cinfo->progressive_mode || cinfo->coef_bits == NULL)
    {
        return PF_OK;
    }
    for (int ci = 0; ci < cinfo->num_components; ci++)
    {
        if (cinfo->coef_bits[ci][0] < 0)
        {
            pf_set_error(decoder->error, "JPEG: the progressive file has no data for component %d: it is incomplete",
                         ci + 1);
            return PF_ERR_FORMAT;
        }
    }
    return PF_OK;
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
    /* Exif and XMP (APP1), ICC profiles (APP2) and comments are kept for the output (pf_decoder_metadata). Each
       is at most 64 KB and all of them together at most the file's size. */
    jpeg_save_markers(&jpeg->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(&jpeg->cinfo, JPEG_APP0 + 2, 0xFFFF);
    jpeg_save_markers(&jpeg->cinfo, JPEG_COM, 0xFFFF);
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
    const int32_t limited = pf_jpeg_limit_resources(decoder, cinfo);
    if (limited != PF_OK)
    {
        return limited;
    }
    jpeg->progress.progress_monitor = pf_jpeg_count_scans;
    cinfo->progress = &jpeg->progress;

    /* A multi-scan file is read whole here, into the coefficient buffers. */
    jpeg_start_decompress(cinfo);
    const int32_t complete = pf_jpeg_check_progression(decoder, cinfo);
    if (complete != PF_OK)
    {
        return complete;
    }
    decoder->info.width = (int32_t)cinfo->output_width;
    decoder->info.height = (int32_t)cinfo->output_height;
    decoder->info.channels = cinfo->output_components;
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next)
    {
        if (marker->data_length > 0)
        {
            pf_decoder_keep_metadata(decoder, marker->marker, marker->data, (int64_t)marker->data_length);
        }
    }
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
    if (encoder->cmyk)
    {
        jpeg->cinfo.in_color_space = JCS_CMYK;
    }
    jpeg_set_defaults(&jpeg->cinfo);
    if (encoder->cmyk == 2)
    {
        jpeg_set_colorspace(&jpeg->cinfo, JCS_YCCK);
    }
    jpeg_set_quality(&jpeg->cinfo, quality, TRUE);
    if (encoder->progressive)
    {
        jpeg_simple_progression(&jpeg->cinfo);
    }
    for (int32_t i = 0; i < encoder->metadata_count; i++)
    {
        const pf_metadata_block* block = &encoder->metadata[i];
        if (block->kind == JPEG_APP0 + 1 && block->length >= 6 && memcmp(block->data, "Exif\0\0", 6) == 0)
        {
            jpeg->cinfo.write_JFIF_header = FALSE; /* an Exif file starts with its APP1, as cameras write it */
        }
    }
    jpeg_start_compress(&jpeg->cinfo, TRUE);
    for (int32_t i = 0; i < encoder->metadata_count; i++)
    {
        const pf_metadata_block* block = &encoder->metadata[i];
        jpeg_write_marker(&jpeg->cinfo, block->kind, block->data, (unsigned int)block->length);
    }
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
