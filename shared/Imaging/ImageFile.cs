using System.Buffers;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging;

/// <summary>Whole-file helpers over the codec seam (<see cref="ImageCodecs"/>): open, decode, transform, save.</summary>
public static class ImageFile
{
    /// <summary>The default pixel limit, 500 MP: refuses decompression bombs before allocating.</summary>
    public const long DefaultMaxPixels = 500_000_000;

    /// <summary>The format an output path asks for, from its extension (any case); <see cref="FileFormat.Unknown"/> for none.</summary>
    public static FileFormat FormatFromExtension(string path) => ImageFormats.FromExtension(path);

    /// <summary>The format <paramref name="path"/>'s extension asks for.</summary>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static FileFormat RequireOutputFormat(string path)
    {
        var format = FormatFromExtension(path);
        return format != FileFormat.Unknown ? format : throw new OutputFormatException(path);
    }

    /// <summary>Opens an input file and reads its header; every way it can be unusable is an <see cref="InputException"/>.</summary>
    /// <exception cref="InputException">Missing, unreadable, not a regular file, not a usable image, or too large.</exception>
    public static IImageReader OpenInput(string path, long maxPixels, CodecChoice codec = CodecChoice.Auto)
    {
        byte[] data = ReadInput(path);
        try
        {
            return ImageCodecs.OpenReader(data, codec, maxPixels);
        }
        catch (InvalidImageException e)
        {
            throw Invalid(path, e);
        }
    }

    /// <summary>
    /// Reads a whole input file, encoded as it is (a coordinator sending it to a node that cannot see it), never
    /// blocking on a FIFO or device and never reading more than its size when opened.
    /// </summary>
    /// <exception cref="InputException">Missing, unreadable, not a regular file, or larger than one array.</exception>
    public static byte[] ReadInput(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new InputException($"'{path}' is a directory, not an image file", "is a directory, not an image file");
        }
        try
        {
            return ImageDecoder.ReadFile(path);
        }
        catch (InvalidImageException e)
        {
            throw Invalid(path, e);
        }
        catch (NotRegularFileException e)
        {
            throw new InputException(e.Message, e.Problem, e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"'{path}' does not exist", "does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}", $"cannot read it: {e.Message}", e);
        }
    }

    /// <summary>An input's image data turned out unusable while it was decoded.</summary>
    public static InputException Invalid(string path, InvalidImageException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new InputException($"'{path}': {error.Message}", error.Message, error);
    }

    /// <summary>Decodes a whole input file into a buffer from <paramref name="allocate"/> (palettes expanded to their colours).</summary>
    /// <exception cref="InputException">The file cannot be read or decoded.</exception>
    public static PixelBuffer DecodeInput(string path, long maxPixels, Func<ImageGeometry, PixelBuffer> allocate, CodecChoice codec = CodecChoice.Auto) =>
        DecodeInput(path, maxPixels, allocate, out _, codec);

    /// <summary>
    /// Decodes a whole input file into a buffer from <paramref name="allocate"/> (palettes expanded to their
    /// colours); <paramref name="header"/> describes that buffer and carries the file's metadata.
    /// </summary>
    /// <exception cref="InputException">The file cannot be read or decoded.</exception>
    public static PixelBuffer DecodeInput(string path, long maxPixels, Func<ImageGeometry, PixelBuffer> allocate, out ImageHeader header, CodecChoice codec = CodecChoice.Auto)
    {
        using var reader = OpenInput(path, maxPixels, codec);
        try
        {
            var pixels = DecodeAll(reader, allocate);
            header = reader.Header with { Geometry = pixels.Geometry, Palette = null };
            return pixels;
        }
        catch (InvalidImageException e)
        {
            throw Invalid(path, e);
        }
    }

    /// <summary>Decodes a whole file into a new buffer.</summary>
    /// <exception cref="InputException">The file cannot be read or decoded.</exception>
    public static PixelBuffer Load(string path, long maxPixels = DefaultMaxPixels) => DecodeInput(path, maxPixels, PixelBuffer.Allocate);

    /// <summary>Decodes every row of an opened native decoder into a buffer from <paramref name="allocate"/>.</summary>
    /// <exception cref="InvalidImageException">The image is too large for one buffer, corrupt or truncated.</exception>
    public static PixelBuffer DecodeAll(ImageDecoder decoder, Func<ImageGeometry, PixelBuffer> allocate) =>
        DecodeAll(new Internal.NativeImageReader(decoder), allocate);

    /// <summary>
    /// Decodes every row of an opened file into a buffer that <paramref name="allocate"/> provides for its
    /// geometry; a palette image's indices become their colours (RGB, or RGBA when the palette has transparency).
    /// </summary>
    /// <remarks>The caller owns the returned buffer; on failure it is disposed here.</remarks>
    /// <exception cref="InvalidImageException">The image is too large for one buffer, corrupt or truncated.</exception>
    public static PixelBuffer DecodeAll(IImageReader reader, Func<ImageGeometry, PixelBuffer> allocate)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(allocate);
        var geometry = reader.Header.Geometry;
        var palette = reader.Header.Palette;
        var pixels = allocate(palette is null ? geometry : Expanded(geometry, palette));
        try
        {
            if (palette is null)
            {
                RequireRows(reader, pixels.Span, geometry.RowBytes, geometry.Height);
                return pixels;
            }
            int band = reader.RequiresWholeImage ? geometry.Height : Math.Clamp((1 << 20) / geometry.RowBytes, 1, geometry.Height);
            using var indices = PixelBuffer.Allocate(geometry.WithHeight(band));
            for (int done = 0; done < geometry.Height; done += band)
            {
                int rows = Math.Min(band, geometry.Height - done);
                RequireRows(reader, indices.Span, geometry.RowBytes, rows);
                palette.Expand(indices.Span[..(rows * geometry.RowBytes)], pixels.Rows(done, rows));
            }
            return pixels;
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>The geometry a palette image's indices expand to.</summary>
    public static ImageGeometry Expanded(ImageGeometry indices, Palette palette)
    {
        ArgumentNullException.ThrowIfNull(palette);
        return indices with { Channels = palette.ExpandedLayout.Channels, Bits = 8 };
    }

    /// <summary>The geometry of a decoded header.</summary>
    /// <exception cref="InvalidImageException">The image does not fit in one buffer.</exception>
    public static ImageGeometry GeometryOf(int width, int height, int channels, int bits)
    {
        var geometry = new ImageGeometry(width, height, channels, bits);
        if (geometry.ByteLength > Array.MaxLength || (long)width * geometry.PixelBytes > int.MaxValue)
        {
            throw new InvalidImageException(NativeStatus.TooLarge, $"the image ({geometry}) needs more than 2 GiB of pixels");
        }
        return geometry;
    }

    /// <summary>
    /// Decodes <paramref name="input"/> band by band, applies <paramref name="lut"/> and encodes each band as it
    /// comes, on the calling thread, then writes <paramref name="output"/> atomically (format from its
    /// extension) with the input's metadata. A palette image keeps its indices and gets the curve on its palette.
    /// Holds one band of pixels (an interlaced PNG, or an image ImageSharp decodes: the whole image). What a worker
    /// runs for a file job.
    /// </summary>
    /// <exception cref="InputException">The input is missing, unreadable, not a regular file or not a usable image.</exception>
    /// <exception cref="OutputFormatException">The output's extension names no format this program writes.</exception>
    /// <exception cref="OutputException">The output could not be written; nothing is left under its name.</exception>
    public static FileTransformResult Transform(string input, string output, LookupTable lut, TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(lut);
        RequireOutputFormat(output);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var reader = OpenInput(input, options.MaxPixels, options.Codec);
        try
        {
            return TransformOpened(reader, output, lut, options, started);
        }
        catch (InvalidImageException e)
        {
            throw Invalid(input, e);
        }
    }

    /// <summary>The header an output is written for: the input's, its palette (if any) through the curve.</summary>
    public static ImageHeader OutputHeader(ImageHeader input, LookupTable lut)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Palette is null ? input : input with { Palette = input.Palette.Apply(lut) };
    }

    /// <summary>
    /// <see cref="Transform"/> from memory to memory, for a worker that cannot see the files (a <c>file_bytes</c>
    /// job): decodes the encoded <paramref name="input"/> band by band, applies <paramref name="lut"/> and encodes
    /// in <paramref name="outputExtension"/>'s format (<c>".png"</c>, any case), with the input's metadata.
    /// </summary>
    /// <param name="input">The whole encoded file; the decoder reads it in place and keeps it until it returns.</param>
    /// <param name="outputExtension">The output's extension with its dot.</param>
    /// <param name="lut">The table.</param>
    /// <param name="options">Quality, pixel limit and codec.</param>
    /// <returns>The encoded output, which the caller disposes.</returns>
    /// <exception cref="InputException">The input is not a usable image (empty, corrupt, truncated, too large).</exception>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static EncodedImage Encode(byte[] input, string outputExtension, LookupTable lut, TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lut);
        ArgumentNullException.ThrowIfNull(options);
        // Path.GetExtension(".png") is ".png": the codec seam picks formats by extension, so the extension stands
        // in for an output path.
        RequireOutputFormat(outputExtension);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var reader = ImageCodecs.OpenReader(input, options.Codec, options.MaxPixels);
            return EncodeOpened(reader, outputExtension, lut, options, started);
        }
        catch (InvalidImageException e)
        {
            throw new InputException($"the image: {e.Message}", e.Message, e);
        }
    }

    private static FileTransformResult TransformOpened(IImageReader reader, string output, LookupTable lut, TransformOptions options, long started)
    {
        using var encoded = EncodeOpened(reader, output, lut, options, started);
        long finish = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            WriteAtomically(output, encoded.Bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write '{output}': {e.Message}", e);
        }
        var result = encoded.Result;
        return result with { EncodeNs = result.EncodeNs + Nanoseconds(System.Diagnostics.Stopwatch.GetTimestamp() - finish) };
    }

    private static EncodedImage EncodeOpened(IImageReader reader, string output, LookupTable lut, TransformOptions options, long started)
    {
        long decodeTicks = 0, kernelTicks = 0, encodeTicks = 0;
        var header = reader.Header;
        var geometry = header.Geometry;
        decodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        int bandRows = reader.RequiresWholeImage ? geometry.Height : Math.Clamp((1 << 20) / geometry.RowBytes, 1, geometry.Height);
        using var band = PixelBuffer.Allocate(geometry.WithHeight(bandRows));
        long curveStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var outputHeader = OutputHeader(header, lut);
        kernelTicks += System.Diagnostics.Stopwatch.GetTimestamp() - curveStarted;
        var writer = ImageCodecs.CreateWriter(output, outputHeader, options.Codec, options.Quality);
        try
        {
            for (int done = 0; done < geometry.Height;)
            {
                int rows = Math.Min(bandRows, geometry.Height - done);
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                var pixels = band.Span[..(rows * geometry.RowBytes)];
                RequireRows(reader, pixels, geometry.RowBytes, rows);
                long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
                if (header.Palette is null)
                {
                    lut.ApplyInPlace(pixels, geometry.Layout);
                }
                long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
                writer.WriteRows(pixels, geometry.RowBytes, rows);
                encodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t2;
                kernelTicks += t2 - t1;
                decodeTicks += t1 - t0;
                done += rows;
            }
            long finish = System.Diagnostics.Stopwatch.GetTimestamp();
            int length = writer.Finish().Length;
            encodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - finish;
            return new EncodedImage(writer, new FileTransformResult(geometry, length, Nanoseconds(decodeTicks), Nanoseconds(kernelTicks), Nanoseconds(encodeTicks)));
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="rows"/> rows, or fails naming where the image ended.</summary>
    /// <exception cref="InvalidImageException">The image ended early, or is corrupt.</exception>
    public static void RequireRows(IImageReader reader, Span<byte> destination, int rowStride, int rows)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadRows(destination, rowStride, rows) != rows)
        {
            throw new InvalidImageException(NativeStatus.Format, $"the image ended after {reader.RowsRead} of {reader.Header.Geometry.Height} rows");
        }
    }

    /// <summary>
    /// How a <see cref="Transform"/> failure reads in a per-file report (the batch's and the file job's): the
    /// input's problem ("does not exist", the codec's message, ...) or the writer's message; null for any other
    /// exception, which is not a per-file failure.
    /// </summary>
    public static string? DescribeTransformFailure(Exception exception) => exception switch
    {
        InputException input => input.Problem,
        OutputException or OutputFormatException => exception.Message,
        _ => null,
    };

    private static long Nanoseconds(long ticks) => (long)(ticks * (1e9 / System.Diagnostics.Stopwatch.Frequency));

    /// <summary>Encodes and writes an image so that the path holds either the old file or the whole new one.</summary>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static void Save(string path, ReadOnlySpan<byte> pixels, ImageGeometry geometry, int quality = 90, ImageHeader? header = null, CodecChoice codec = CodecChoice.Auto)
    {
        using var writer = ImageCodecs.CreateWriter(path, header ?? ImageHeader.ForPixels(geometry), codec, quality);
        writer.WriteRows(pixels, geometry.RowBytes, geometry.Height);
        WriteAtomically(path, writer.Finish());
    }

    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/> and renames it over the target, so a failure
    /// (full disk, Ctrl+C, exception) never leaves a partial or empty file under the final name.
    /// </summary>
    /// <remarks>
    /// The temporary is named after this process (<c>.NAME.pf-PID-RANDOM.tmp</c>, see <see cref="OutputTemporaries"/>),
    /// so one that a SIGKILL left behind can be found and swept.
    /// </remarks>
    /// <exception cref="IOException">The directory is not writable or the disk is full; nothing is left behind.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes) =>
        WriteAtomically(path, bytes, static (stream, bytes) => stream.Write(bytes));

    /// <summary>
    /// <see cref="WriteAtomically(string, ReadOnlySpan{byte})"/> for bytes in segments (a file that arrived in a
    /// frame: the coordinator writes a <c>file_bytes</c> job's output straight from its receive buffer).
    /// </summary>
    /// <exception cref="IOException">The directory is not writable or the disk is full; nothing is left behind.</exception>
    public static void WriteAtomically(string path, ReadOnlySequence<byte> bytes) =>
        WriteAtomically(path, bytes, static (stream, bytes) =>
        {
            foreach (var segment in bytes)
            {
                stream.Write(segment.Span);
            }
        });

    private static void WriteAtomically<TBytes>(string path, TBytes bytes, Action<FileStream, TBytes> write)
        where TBytes : allows ref struct
    {
        var full = Path.GetFullPath(path);
        var temporary = OutputTemporaries.CreatePath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                write(stream, bytes);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Teardown after a failure that is already being reported; a leftover temp file is the lesser harm.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
