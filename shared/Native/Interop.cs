using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>P/Invoke declarations, and nothing else. Callers use the facades in this folder.</summary>
internal static partial class Interop
{
    /// <summary>Native library names.</summary>
    internal static class Libraries
    {
        /// <summary>native/: resolves to libpfnative.so beside the application.</summary>
        internal const string PfNative = "pfnative";
    }

    /// <summary>The exports of native/include/processfarm.h; entry points keep their pf_ names.</summary>
    internal static unsafe partial class PfNative
    {
        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_lut_build")]
        internal static partial NativeStatus LutBuild(double ev, double gamma, byte* lut);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_lut_apply")]
        internal static partial NativeStatus LutApply(LutKernel kernel, byte* lut, byte* src, byte* dst, long length);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_lut_apply_pixels")]
        internal static partial NativeStatus LutApplyPixels(LutKernel kernel, byte* lut, byte* src, byte* dst, long length, int channels);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_lut16_build")]
        internal static partial NativeStatus Lut16Build(double ev, double gamma, ushort* lut);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_lut16_apply")]
        internal static partial NativeStatus Lut16Apply(ushort* lut, ushort* src, ushort* dst, long samples, int channels);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_kernel_supported")]
        internal static partial int KernelSupported(LutKernel kernel);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_kernel_best")]
        internal static partial LutKernel KernelBest();

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_create")]
        internal static partial SafeDecoderHandle DecoderCreate();

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_destroy")]
        internal static partial void DecoderDestroy(IntPtr decoder);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_open")]
        internal static partial NativeStatus DecoderOpen(SafeDecoderHandle decoder, byte* data, long length, long maxPixels, ImageInfo* info);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_read_rows")]
        internal static partial NativeStatus DecoderReadRows(SafeDecoderHandle decoder, byte* dst, long dstStride, int rows, int* rowsRead);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_error")]
        internal static partial byte* DecoderError(SafeDecoderHandle decoder);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_metadata")]
        internal static partial NativeStatus DecoderMetadata(SafeDecoderHandle decoder, int index, int* kind, byte** data, long* length);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_decoder_palette")]
        internal static partial NativeStatus DecoderPalette(SafeDecoderHandle decoder, byte* rgb, byte* alpha, int* alphaCount, int* bitDepth);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_set_cmyk")]
        internal static partial NativeStatus EncoderSetCmyk(SafeEncoderHandle encoder, int ycck);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_set_bits")]
        internal static partial NativeStatus EncoderSetBits(SafeEncoderHandle encoder, int bits);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_set_palette")]
        internal static partial NativeStatus EncoderSetPalette(SafeEncoderHandle encoder, byte* rgb, int count, byte* alpha, int alphaCount, int bitDepth);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_add_metadata")]
        internal static partial NativeStatus EncoderAddMetadata(SafeEncoderHandle encoder, int kind, byte* data, long length);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_create")]
        internal static partial SafeEncoderHandle EncoderCreate();

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_destroy")]
        internal static partial void EncoderDestroy(IntPtr encoder);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_set_progressive")]
        internal static partial NativeStatus EncoderSetProgressive(SafeEncoderHandle encoder, int progressive);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_begin")]
        internal static partial NativeStatus EncoderBegin(SafeEncoderHandle encoder, ImageFormat format, int width, int height, int channels, int quality, int compression);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_write_rows")]
        internal static partial NativeStatus EncoderWriteRows(SafeEncoderHandle encoder, byte* src, long srcStride, int rows);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_finish")]
        internal static partial NativeStatus EncoderFinish(SafeEncoderHandle encoder, byte** data, long* length);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_encoder_error")]
        internal static partial byte* EncoderError(SafeEncoderHandle encoder);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_file_open_regular", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int FileOpenRegular(string path, long* size);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_file_read")]
        internal static partial long FileRead(SafeInputFileHandle fd, byte* buffer, long length, long offset);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_file_close")]
        internal static partial int FileClose(IntPtr fd);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_wait")]
        internal static partial int Wait(int fd, ulong* doorbell, ulong seen, uint* parked, long spinNs, int timeoutMs);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_read")]
        internal static partial long SocketRead(int fd, byte* buffer, long length, long spinNs, int timeoutMs);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_write")]
        internal static partial long SocketWrite(int fd, byte* buffer, long length, int wait);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_connect", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SocketConnect(string path, int timeoutMs);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_close")]
        internal static partial int SocketClose(int fd);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_shutdown")]
        internal static partial int SocketShutdown(int fd);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_wait_hangup")]
        internal static partial int SocketWaitHangup(int fd);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_fd_read_line")]
        internal static partial int FdReadLine(int fd, byte* buffer, int capacity, int timeoutMs);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_process_exit")]
        internal static partial void ProcessExit(int exitCode);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_socket_peer")]
        internal static partial int SocketPeer(int fd, int* pid, int* uid);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_process_bind_to_parent")]
        internal static partial int ProcessBindToParent(int expectedParent);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_process_limits")]
        internal static partial int ProcessLimits(long* openFiles, long* addressSpaceBytes);

        [LibraryImport(Libraries.PfNative, EntryPoint = "pf_memory_return_large_blocks")]
        internal static partial int MemoryReturnLargeBlocks(long thresholdBytes);
    }
}
