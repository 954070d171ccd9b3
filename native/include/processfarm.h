/*
 * processfarm.h - the one public header of libpfnative.
 *
 * A small, stable C ABI used by ProcessFarm.Shared through P/Invoke:
 *   - the exposure/gamma lookup table (LUT): build, apply (scalar, AVX2, AVX-512 BW, AVX-512 VBMI);
 *   - image decode/encode: JPEG through libjpeg-turbo, PNG through libpng, 8-bit gray, RGB and RGBA;
 *   - opening input files without blocking on FIFOs or devices;
 *   - socket I/O and waiting for a worker's connection, and a worker's lifetime (parent binding, the secret line,
 *     the hang-up watch, process limits).
 *
 * Over 300 lines on purpose: the whole ABI and the contract of every export in one place, by section.
 *
 * Conventions: every export is prefixed pf_, uses fixed-size types only (lengths are int64_t), and returns a
 * pf_status or -errno where it can fail. Codec state lives behind opaque handles; the library keeps no global
 * state, never lets a longjmp escape an export, and never calls exit() except in pf_process_exit, which a worker
 * calls on purpose. The managed side frees what it creates.
 */
#ifndef PROCESSFARM_H
#define PROCESSFARM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PF_EXPORT __attribute__((visibility("default")))
#else
#define PF_EXPORT
#endif

/* Status codes. The managed enum ProcessFarm.Shared.Native.NativeStatus mirrors these values. */
typedef enum pf_status
{
    PF_OK = 0,
    PF_ERR_ARGUMENT = 1,    /* a NULL pointer, a negative length, gamma <= 0, a state call out of order */
    PF_ERR_NO_MEMORY = 2,   /* an allocation failed */
    PF_ERR_FORMAT = 3,      /* not a JPEG or PNG, or a corrupt or truncated one */
    PF_ERR_UNSUPPORTED = 4, /* valid but not handled: CMYK JPEG, a CPU path this machine lacks, ... */
    PF_ERR_TOO_LARGE = 5,   /* the image declares more pixels than the caller's limit */
} pf_status;

/* LUT kernels. PF_KERNEL_AUTO picks the best one this CPU supports. */
typedef enum pf_kernel
{
    PF_KERNEL_AUTO = 0,
    PF_KERNEL_SCALAR = 1,
    PF_KERNEL_AVX2 = 2,
    PF_KERNEL_AVX512VBMI = 3,
    PF_KERNEL_AVX512BW = 4,
} pf_kernel;

/* Image file formats. */
typedef enum pf_format
{
    PF_FORMAT_UNKNOWN = 0,
    PF_FORMAT_JPEG = 1,
    PF_FORMAT_PNG = 2,
} pf_format;

/* What a decoder learned from a file header. Layout is pinned by a managed test: 28 bytes. */
typedef struct pf_image_info
{
    int32_t width;    /* pixels, > 0 */
    int32_t height;   /* pixels, > 0 */
    int32_t channels; /* 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); alpha is last */
    int32_t format;   /* a pf_format */
    int32_t whole_image; /* 1 when the rows cannot be read in bands (an interlaced PNG): read them in one call */
    int32_t bits;        /* bits per sample: 8, or 16 (PNG; samples in host byte order) */
    int32_t palette;     /* 0, or the palette's entries (a palette PNG): rows then hold one index byte per pixel */
} pf_image_info;

/* The most metadata blocks a decoder keeps or an encoder writes; more are dropped. */
#define PF_MAX_METADATA_BLOCKS 64

/* ---- LUT ------------------------------------------------------------------------------------------------ */

/*
 * Fills lut[256] with y = trunc(clamp(255 * (x/255 * 2^ev)^(1/gamma), 0, 255)) for x = 0..255.
 * Arithmetic is IEEE double throughout: s = pow(2.0, ev); v = (x / 255.0) * s; p = pow(v, 1.0 / gamma);
 * y = 255.0 * p; clamped to [0, 255], then truncated toward zero. Every apply path uses the table, so all
 * paths are bit-identical by construction.
 * Returns PF_OK, or PF_ERR_ARGUMENT when lut is NULL, ev or gamma is not finite, or gamma <= 0.
 */
PF_EXPORT int32_t pf_lut_build(double ev, double gamma, uint8_t* lut);

/*
 * dst[i] = lut[src[i]] for i in [0, length). src may equal dst (in place); other overlaps are undefined.
 * kernel selects the path; PF_KERNEL_AUTO uses the best the CPU supports (CPUID, checked per call).
 * Returns PF_OK; PF_ERR_ARGUMENT for NULL pointers with length > 0, a negative length or an unknown kernel;
 * PF_ERR_UNSUPPORTED when the requested kernel needs instructions this CPU lacks.
 */
PF_EXPORT int32_t pf_lut_apply(int32_t kernel, const uint8_t* lut, const uint8_t* src, uint8_t* dst,
                               int64_t length);

/*
 * Like pf_lut_apply over interleaved 8-bit pixels of `channels` (1..4) bytes, except that the last channel of
 * 2-channel (grey + alpha) and 4-channel (RGBA) pixels is alpha and is copied unchanged: the curve applies to
 * colour only. length is in bytes and a multiple of channels; src and dst start on a pixel. Every kernel gives
 * the same bytes. Returns as pf_lut_apply; PF_ERR_ARGUMENT also for channels outside 1..4 or a partial pixel.
 */
PF_EXPORT int32_t pf_lut_apply_pixels(int32_t kernel, const uint8_t* lut, const uint8_t* src, uint8_t* dst,
                                      int64_t length, int32_t channels);

/*
 * The 16-bit table: lut[65536] with y = trunc(clamp(65535 * (x/65535 * 2^ev)^(1/gamma), 0, 65535)), the same
 * arithmetic as pf_lut_build over 65,536 levels. Returns PF_OK or PF_ERR_ARGUMENT (as pf_lut_build).
 */
PF_EXPORT int32_t pf_lut16_build(double ev, double gamma, uint16_t* lut);

/*
 * dst[i] = lut[src[i]] over `samples` 16-bit samples in host byte order, interleaved in pixels of `channels`
 * (1..4); as for pf_lut_apply_pixels, the last channel of 2- and 4-channel pixels is alpha and copied unchanged.
 * src may equal dst. One scalar path on every CPU. Returns PF_OK, or PF_ERR_ARGUMENT for NULL pointers with
 * samples > 0, a negative count, channels outside 1..4 or a partial pixel.
 */
PF_EXPORT int32_t pf_lut16_apply(const uint16_t* lut, const uint16_t* src, uint16_t* dst, int64_t samples,
                                 int32_t channels);

/* Returns 1 when this CPU (and OS) can run the given kernel, else 0. PF_KERNEL_AUTO and SCALAR give 1. */
PF_EXPORT int32_t pf_kernel_supported(int32_t kernel);

/* Returns the kernel PF_KERNEL_AUTO resolves to on this CPU. */
PF_EXPORT int32_t pf_kernel_best(void);

/* ---- Decoding ------------------------------------------------------------------------------------------- */

typedef struct pf_decoder pf_decoder;

/* Creates a decoder. Returns the handle, or NULL if memory ran out. Free it with pf_decoder_destroy. */
PF_EXPORT pf_decoder* pf_decoder_create(void);

/* Frees a decoder and everything it allocated. Accepts NULL. */
PF_EXPORT void pf_decoder_destroy(pf_decoder* decoder);

/*
 * Reads the header of an in-memory JPEG or PNG file (format chosen from its magic bytes) and fills *info.
 * The decoder keeps a pointer to data: the caller keeps it valid and unmoved until the decoder is destroyed.
 * An image with more than max_pixels pixels (width * height) is refused with PF_ERR_TOO_LARGE before any
 * pixel memory is allocated. A PNG keeps its kind: gray,
 * gray + alpha, RGB and RGBA stay so at 8 or 16 bits (16-bit samples arrive in host byte order), a palette image
 * gives its indices (one byte each, info.palette entries; see pf_decoder_palette), gray below 8 bits is widened
 * to 8, and a tRNS colour key becomes an alpha channel.
 *
 * The decoder's own memory is bounded by what the file's data can really describe, whatever its header claims:
 * a header declaring more pixels than the compressed data could hold (at most 8 blocks of 8x8 per byte of JPEG
 * entropy data, 1032 bytes of scanlines per byte of PNG image data) is refused with PF_ERR_FORMAT before
 * anything is sized from it; libjpeg may allocate only the coefficient buffers such an image needs plus row
 * buffers (cinfo->mem->max_memory_to_use), and a progressive JPEG may have at most 500 scans, all of whose
 * components must receive their DC values; libpng skips every ancillary chunk but tRNS and may allocate at most
 * 8 MB per chunk, and every chunk must lie inside the file. A progressive JPEG is read whole here.
 * Arithmetic-coded JPEGs give PF_ERR_UNSUPPORTED: their size cannot be checked against their data.
 *
 * Returns PF_OK; PF_ERR_FORMAT, PF_ERR_UNSUPPORTED or PF_ERR_TOO_LARGE with pf_decoder_error() set.
 * May be called once per decoder.
 */
PF_EXPORT int32_t pf_decoder_open(pf_decoder* decoder, const uint8_t* data, int64_t length, int64_t max_pixels,
                                  pf_image_info* info);

/*
 * Decodes the next `rows` scanlines into dst (row r at dst + r * dst_stride; dst_stride >= width * channels)
 * and stores how many were produced in *rows_read (fewer only at the end of the image). Interlaced PNGs are
 * decoded in one call that must ask for every row. A truncated or corrupt file gives PF_ERR_FORMAT, never rows
 * filled with a guess: every libjpeg warning (corrupt or missing entropy data, stray bytes, a bad progression)
 * and every libpng warning about the image data (IDAT) is an error; libpng's warnings about ancillary chunks are not.
 */
PF_EXPORT int32_t pf_decoder_read_rows(pf_decoder* decoder, uint8_t* dst, int64_t dst_stride, int32_t rows,
                                       int32_t* rows_read);

/* The message of the last failure, or "" when there was none. Owned by the decoder. */
PF_EXPORT const char* pf_decoder_error(const pf_decoder* decoder);

/*
 * Metadata block `index` (0-based) of an opened file, as the file holds it: for a JPEG an APP1 (Exif, XMP), APP2
 * (ICC profile) or COM segment without its marker and length (kind = the marker code, 0xE1, 0xE2, 0xFE); for a
 * PNG the body of an iCCP, sRGB, gAMA, cHRM, cICP, pHYs, eXIf, tEXt, zTXt or iTXt chunk (kind = the chunk type as
 * a big-endian number), in file order. Nothing is decompressed or interpreted here, and PNG blocks are found by
 * walking the file in memory, so libpng never allocates for them. *data stays valid until the decoder is
 * destroyed. Returns PF_OK, or PF_ERR_ARGUMENT for an index past the last block or a decoder not opened.
 */
PF_EXPORT int32_t pf_decoder_metadata(const pf_decoder* decoder, int32_t index, int32_t* kind, const uint8_t** data,
                                      int64_t* length);

/*
 * The palette of a palette PNG (info.palette entries): rgb[3 * i] is entry i's red, green and blue; alpha[i] its
 * opacity for i < *alpha_count (tRNS), 255 beyond; *bit_depth the file's index depth (1, 2, 4 or 8). rgb holds
 * 768 bytes and alpha 256. Returns PF_OK, or PF_ERR_ARGUMENT when the image has no palette.
 */
PF_EXPORT int32_t pf_decoder_palette(const pf_decoder* decoder, uint8_t* rgb, uint8_t* alpha, int32_t* alpha_count,
                                     int32_t* bit_depth);

/* ---- Encoding ------------------------------------------------------------------------------------------- */

typedef struct pf_encoder pf_encoder;

/* Creates an encoder. Returns the handle, or NULL if memory ran out. Free it with pf_encoder_destroy. */
PF_EXPORT pf_encoder* pf_encoder_create(void);

/* Frees an encoder and its output buffer. Accepts NULL. */
PF_EXPORT void pf_encoder_destroy(pf_encoder* encoder);

/*
 * Makes a JPEG begun afterwards with this encoder progressive (libjpeg's jpeg_simple_progression: 10 scans for
 * colour, 6 for gray) when progressive != 0; PNG ignores it. Call it before pf_encoder_begin. The CLI writes
 * baseline files; this is for tests and tools that need progressive ones. Returns PF_OK, or PF_ERR_ARGUMENT after
 * pf_encoder_begin.
 */
PF_EXPORT int32_t pf_encoder_set_progressive(pf_encoder* encoder, int32_t progressive);

/*
 * Makes the JPEG begun afterwards a four-component file: rows hold C, M, Y, K bytes (Adobe's inverted
 * convention: 255 is no ink), stored as CMYK, or as YCCK when ycck != 0, with libjpeg's Adobe marker. For tests:
 * this program reads such files through ImageSharp. Call it before pf_encoder_begin with 4 channels; PNG refuses
 * it. Returns PF_OK, or PF_ERR_ARGUMENT after pf_encoder_begin.
 */
PF_EXPORT int32_t pf_encoder_set_cmyk(pf_encoder* encoder, int32_t ycck);

/*
 * Samples of 16 bits (PNG only; rows then hold 2 bytes per sample in host byte order) when bits is 16, 8 otherwise.
 * Call it before pf_encoder_begin. Returns PF_OK, or PF_ERR_ARGUMENT for other values or after pf_encoder_begin.
 */
PF_EXPORT int32_t pf_encoder_set_bits(pf_encoder* encoder, int32_t bits);

/*
 * Makes the PNG begun afterwards a palette PNG: `count` (1..256) entries of rgb (3 bytes each), the first
 * alpha_count (0..count) of them with the opacities in alpha (a tRNS chunk), indices stored in bit_depth (1, 2, 4
 * or 8) bits. Rows then hold one index byte per pixel, which pf_encoder_begin's channels must say (1). Call it
 * before pf_encoder_begin; JPEG refuses it. Returns PF_OK or PF_ERR_ARGUMENT.
 */
PF_EXPORT int32_t pf_encoder_set_palette(pf_encoder* encoder, const uint8_t* rgb, int32_t count, const uint8_t* alpha,
                                         int32_t alpha_count, int32_t bit_depth);

/*
 * Adds a metadata block, copied, to write with the image: for a JPEG a segment written with marker `kind` (0xE0
 * to 0xEF, 0xFE; length 1..65533) right after the frame's start, before the image data (the JFIF APP0 is left
 * out when an APP1 Exif block is given, as cameras do); for a PNG a chunk of type `kind` (big-endian number)
 * written right after IHDR, before PLTE and the image data (where iCCP, eXIf and the rest may all go). Blocks
 * keep their order; PF_MAX_METADATA_BLOCKS at most. Call it before pf_encoder_begin. Returns PF_OK,
 * PF_ERR_ARGUMENT (a kind or length out of range, too many, after begin) or PF_ERR_NO_MEMORY.
 */
PF_EXPORT int32_t pf_encoder_add_metadata(pf_encoder* encoder, int32_t kind, const uint8_t* data, int64_t length);

/*
 * Starts an image of the given format into an in-memory buffer the encoder owns. quality (1..100) is used by
 * JPEG; compression (0..9, zlib level) by PNG. JPEG cannot store alpha: 4-channel input is written as RGB and
 * its alpha dropped; it takes 1, 3 or 4 channels of 8 bits. PNG takes 1 to 4 channels (2: gray + alpha) of 8 or 16
 * bits, or palette indices. Returns PF_OK, PF_ERR_ARGUMENT (bad size, channels, quality, format) or PF_ERR_NO_MEMORY.
 */
PF_EXPORT int32_t pf_encoder_begin(pf_encoder* encoder, int32_t format, int32_t width, int32_t height,
                                   int32_t channels, int32_t quality, int32_t compression);

/* Appends `rows` scanlines from src (row r at src + r * src_stride). Rows beyond the height are an error. */
PF_EXPORT int32_t pf_encoder_write_rows(pf_encoder* encoder, const uint8_t* src, int64_t src_stride, int32_t rows);

/*
 * Finishes the image once every row was written and exposes the encoded bytes through *data and *length.
 * The bytes belong to the encoder and stay valid until it is destroyed.
 */
PF_EXPORT int32_t pf_encoder_finish(pf_encoder* encoder, const uint8_t** data, int64_t* length);

/* The message of the last failure, or "" when there was none. Owned by the encoder. */
PF_EXPORT const char* pf_encoder_error(const pf_encoder* encoder);

/* ---- Input files (pf_file.c) ------------------------------------------------------------------------------ */

/*
 * Opens a regular file for reading without ever blocking: the path's type is checked with stat first, the open is
 * non-blocking and close-on-exec and never makes a terminal the controlling one, and the descriptor's type is checked
 * again with fstat. A FIFO, socket or device is refused without reading it (a FIFO is never opened at all unless
 * it replaced a regular file in between, and then only without blocking). On success stores the file's size at
 * that moment in *size and returns the descriptor, which the caller closes with pf_file_close. Returns -EISDIR
 * for a directory, -EOPNOTSUPP for any other file that is not regular, or -errno from stat/open/fstat (-ENOENT,
 * -EACCES, ...); -EINVAL for NULL arguments.
 */
PF_EXPORT int32_t pf_file_open_regular(const char* path, int64_t* size);

/*
 * Reads up to length bytes at offset (pread, retried on EINTR and short reads) into buffer. Returns the bytes
 * read, fewer than length only at the end of the file, or -errno. Never reads beyond offset + length, so a file
 * that keeps growing cannot make the caller read without end.
 */
PF_EXPORT int64_t pf_file_read(int32_t fd, uint8_t* buffer, int64_t length, int64_t offset);

/* close(fd). 0 or -errno; the descriptor is released either way. */
PF_EXPORT int32_t pf_file_close(int32_t fd);

/*
 * Low-latency socket I/O and waiting (pf_io.c). A worker connection owns a thread; these calls let that thread
 * read, write and wait with direct system calls instead of an event loop, and spin briefly before sleeping so a
 * reply that is microseconds away is picked up without a wake-up. Errors are returned as -errno.
 */

/* pf_wait: what became ready. */
typedef enum pf_ready
{
    PF_READY_TIMEOUT = 0,
    PF_READY_DOORBELL = 1,
    PF_READY_FD = 2
} pf_ready;

/*
 * Waits until fd is readable (data, end of stream or an error condition) or, when doorbell is not NULL, until
 * *doorbell differs from seen. Spins for spin_ns first: the doorbell on every turn, the fd with a zero-timeout
 * poll every 64th turn (every turn without a doorbell), offering the core to other runnable threads
 * (sched_yield) every 5 us. Then, when parked is not NULL, stores 1 into *parked,
 * issues a full fence and checks the doorbell once more before sleeping in poll, and stores 0 on return: a
 * producer that publishes to the doorbell, fences, and then sees *parked == 1 must wake this thread through fd
 * (docs/PROTOCOL.md, "Channel"). timeout_ms < 0 sleeps without limit. Returns a pf_ready value or -errno.
 */
PF_EXPORT int32_t pf_wait(int32_t fd, const uint64_t* doorbell, uint64_t seen, uint32_t* parked, int64_t spin_ns,
                          int32_t timeout_ms);

/*
 * Reads up to length bytes from a connected stream socket: non-blocking attempts while spinning for spin_ns,
 * then pf_wait. Returns the bytes read (0 at the end of the stream), -ETIMEDOUT after timeout_ms (< 0: none),
 * or -errno.
 */
PF_EXPORT int64_t pf_socket_read(int32_t fd, uint8_t* buffer, int64_t length, int64_t spin_ns, int32_t timeout_ms);

/*
 * Writes length bytes to a connected stream socket. With wait != 0 it writes them all, sleeping in poll while
 * the socket's buffer is full, and returns length; with wait == 0 it writes what fits now and returns that count
 * (possibly 0). -errno on failure (-EPIPE once the peer is gone).
 */
PF_EXPORT int64_t pf_socket_write(int32_t fd, const uint8_t* buffer, int64_t length, int32_t wait);

/*
 * Connects a new stream socket (close-on-exec) to the Unix socket at path, retrying while it does not exist yet
 * or refuses, for up to timeout_ms, and checks that its owner (SO_PEERCRED) is this process's user. Returns the
 * descriptor, or -ETIMEDOUT, -EACCES (another user's socket), -ENAMETOOLONG or another -errno.
 */
PF_EXPORT int32_t pf_socket_connect(const char* path, int32_t timeout_ms);

/* close(fd). 0 or -errno. */
PF_EXPORT int32_t pf_socket_close(int32_t fd);

/* shutdown(fd, SHUT_RDWR): wakes a thread sleeping in pf_wait or pf_socket_read on fd. 0 or -errno. */
PF_EXPORT int32_t pf_socket_shutdown(int32_t fd);

/*
 * Blocks until the peer of a connected stream socket has closed it or shut down its writing side (POLLRDHUP,
 * POLLHUP or POLLERR), without reading: data waiting in the socket does not wake it. A worker runs this on a
 * thread of its own, so that a coordinator that goes away stops a job in progress. 0, or -errno.
 */
PF_EXPORT int32_t pf_socket_wait_hangup(int32_t fd);

/*
 * Reads one line from fd (a pipe, a terminal, a file) into buffer: bytes up to the first LF, which is consumed but
 * not stored, or up to the end of input. Reads one byte at a time, so nothing after the line is consumed. Returns
 * the line's length, -ETIMEDOUT when no complete line arrived within timeout_ms (< 0: no limit), -EMSGSIZE when
 * the line does not fit capacity bytes, or -errno.
 */
PF_EXPORT int32_t pf_fd_read_line(int32_t fd, uint8_t* buffer, int32_t capacity, int32_t timeout_ms);

/*
 * The process id and user id of the peer of a connected Unix socket (SO_PEERCRED, as of its connect), written to
 * *pid and *uid. 0 or -errno.
 */
PF_EXPORT int32_t pf_socket_peer(int32_t fd, int32_t* pid, int32_t* uid);

/* ---- Processes ------------------------------------------------------------------------------------------ */

/*
 * Asks the kernel to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG), then checks that its parent is
 * still expected_parent. Returns 0, or -ESRCH when the parent is already gone (the caller should exit at once: the
 * signal can no longer come), or -errno. A worker calls it first thing, so that no worker outlives its coordinator.
 */
PF_EXPORT int32_t pf_process_bind_to_parent(int32_t expected_parent);

/*
 * This process's soft limits on open files (RLIMIT_NOFILE) and on address space in bytes (RLIMIT_AS), written to
 * *open_files and *address_space_bytes; -1 means unlimited. 0 or -errno.
 */
PF_EXPORT int32_t pf_process_limits(int64_t* open_files, int64_t* address_space_bytes);

/*
 * Ends this process at once with exit_code (_exit): no handlers, no flushing, whatever other threads are doing
 * (one may be inside a codec). For a worker whose coordinator is gone: nobody is left to read anything.
 */
PF_EXPORT void pf_process_exit(int32_t exit_code);

/*
 * Makes malloc serve every block of threshold_bytes or more with its own mapping, returned to the system when freed
 * (mallopt M_MMAP_THRESHOLD, which also turns the dynamic threshold off). Pixel buffers and the codecs' large
 * buffers then leave nothing behind; without it, a process that decodes one large image after another keeps
 * hundreds of megabytes of freed heap. 0, or -EINVAL.
 */
PF_EXPORT int32_t pf_memory_return_large_blocks(int64_t threshold_bytes);

#ifdef __cplusplus
}
#endif

#endif /* PROCESSFARM_H */
