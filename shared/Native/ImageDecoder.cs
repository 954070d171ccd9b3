using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>
/// Decodes one JPEG or PNG file held in memory, row band by row band, into caller-provided pixel memory.
/// </summary>
/// <remarks>
/// The native decoder keeps a pointer to the encoded bytes until it is destroyed, so the decoder pins the array
/// for its whole life. Dispose destroys the native decoder, then unpins.
/// </remarks>
public sealed unsafe class ImageDecoder : IDisposable
{
    private readonly SafeDecoderHandle _handle;
    private GCHandle _pin; // Mutable struct! Freed once, in Dispose.

    private ImageDecoder(SafeDecoderHandle handle, GCHandle pin, ImageInfo info)
    {
        _handle = handle;
        _pin = pin;
        Info = info;
    }

    /// <summary>Width, height, channels and format read from the header.</summary>
    public ImageInfo Info { get; }

    /// <summary>Rows decoded so far.</summary>
    public int RowsRead { get; private set; }

    /// <summary>Reads a file and parses its header.</summary>
    /// <param name="path">The JPEG or PNG file.</param>
    /// <param name="maxPixels">Images declaring more pixels are refused before pixel memory is allocated.</param>
    /// <remarks>
    /// Opening never blocks and only regular files are read (<c>pf_file_open_regular</c>), never more than their size
    /// when opened: a FIFO, a device or a file that keeps growing cannot hang or exhaust the reader.
    /// </remarks>
    /// <exception cref="InvalidImageException">The file is empty, too big, not a JPEG/PNG, corrupt or too large.</exception>
    /// <exception cref="NotRegularFileException">The path is a directory, FIFO, socket or device.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read for lack of permission.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageDecoder Open(string path, long maxPixels) => Open(ReadFile(path), maxPixels);

    /// <summary>
    /// Reads a whole regular file without ever blocking on it, and never more than its size when opened (see
    /// <see cref="Open(string, long)"/>).
    /// </summary>
    /// <exception cref="InvalidImageException">The file is larger than one array.</exception>
    /// <exception cref="NotRegularFileException">The path is a directory, FIFO, socket or device.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read for lack of permission.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[] ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] encoded;
        using (var file = RegularFile.Open(path, out long length))
        {
            if (length > Array.MaxLength)
            {
                throw new InvalidImageException(NativeStatus.TooLarge, $"the file is {length} bytes, larger than this program reads ({Array.MaxLength})");
            }
            encoded = GC.AllocateUninitializedArray<byte>((int)length);
            RegularFile.ReadExactly(file, encoded);
        }
        return encoded;
    }

    /// <summary>Parses the header of an encoded image.</summary>
    /// <param name="encoded">The file's bytes; pinned, not copied, until the decoder is disposed.</param>
    /// <param name="maxPixels">Images declaring more pixels are refused before pixel memory is allocated.</param>
    /// <exception cref="InvalidImageException">Not a JPEG/PNG, corrupt, unsupported or too large.</exception>
    public static ImageDecoder Open(byte[] encoded, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        var handle = Interop.PfNative.DecoderCreate();
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new OutOfMemoryException("pf_decoder_create failed.");
        }
        var pin = GCHandle.Alloc(encoded, GCHandleType.Pinned);
        try
        {
            ImageInfo info;
            var status = Interop.PfNative.DecoderOpen(handle, (byte*)pin.AddrOfPinnedObject(), encoded.Length, maxPixels, &info);
            if (status != NativeStatus.Ok)
            {
                throw Failure(status, Interop.PfNative.DecoderError(handle));
            }
            return new ImageDecoder(handle, pin, info);
        }
        catch
        {
            handle.Dispose();
            pin.Free();
            throw;
        }
    }

    /// <summary>Decodes up to <paramref name="rows"/> rows into <paramref name="destination"/>.</summary>
    /// <param name="destination">Row r is written at r * <paramref name="rowStride"/>.</param>
    /// <param name="rowStride">Bytes between rows; at least width * channels.</param>
    /// <param name="rows">How many rows to decode.</param>
    /// <returns>Rows produced; fewer than asked only at the end of the image.</returns>
    /// <exception cref="InvalidImageException">The file is corrupt or truncated.</exception>
    public int ReadRows(Span<byte> destination, int rowStride, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowStride, Info.RowBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int possible = Math.Min(rows, Info.Height - RowsRead);
        if (possible > 0 && (long)(possible - 1) * rowStride + Info.RowBytes > destination.Length)
        {
            throw new ArgumentException("The destination cannot hold the rows asked for.", nameof(destination));
        }

        int read;
        fixed (byte* dst = destination)
        {
            var status = Interop.PfNative.DecoderReadRows(_handle, dst, rowStride, possible, &read);
            if (status != NativeStatus.Ok)
            {
                throw Failure(status, Interop.PfNative.DecoderError(_handle));
            }
        }
        RowsRead += read;
        return read;
    }

    /// <summary>
    /// The metadata blocks the file holds, copied, in file order: JPEG APP1/APP2/COM segments (kind: the marker
    /// code) or PNG colour, size, Exif and text chunks (kind: the chunk type as a big-endian number). Uninterpreted.
    /// </summary>
    public IReadOnlyList<(int Kind, byte[] Data)> ReadMetadata()
    {
        var blocks = new List<(int, byte[])>();
        for (int index = 0; ; index++)
        {
            int kind;
            byte* data;
            long length;
            if (Interop.PfNative.DecoderMetadata(_handle, index, &kind, &data, &length) != NativeStatus.Ok)
            {
                return blocks;
            }
            blocks.Add((kind, new ReadOnlySpan<byte>(data, checked((int)length)).ToArray()));
        }
    }

    /// <summary>A palette PNG's palette: 3 bytes per entry, the opacities its tRNS gives (may be fewer), the index depth.</summary>
    /// <exception cref="InvalidOperationException">The image has no palette.</exception>
    public (byte[] Rgb, byte[] Alpha, int BitDepth) ReadPalette()
    {
        byte[] rgb = new byte[768];
        byte[] alpha = new byte[256];
        int alphaCount, bitDepth;
        fixed (byte* r = rgb)
        fixed (byte* a = alpha)
        {
            if (Interop.PfNative.DecoderPalette(_handle, r, a, &alphaCount, &bitDepth) != NativeStatus.Ok)
            {
                throw new InvalidOperationException("The image has no palette.");
            }
        }
        return (rgb[..(Info.PaletteEntries * 3)], alpha[..alphaCount], bitDepth);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _handle.Dispose();
        if (_pin.IsAllocated)
        {
            _pin.Free();
        }
    }

    internal static InvalidImageException Failure(NativeStatus status, byte* message) =>
        new(status, Marshal.PtrToStringUTF8((IntPtr)message) is { Length: > 0 } text ? text : status.ToString());
}
