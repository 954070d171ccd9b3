using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging;

/// <summary>Whole-file helpers over <see cref="ImageDecoder"/> and <see cref="ImageEncoder"/>.</summary>
public static class ImageFile
{
    /// <summary>The default pixel limit, 500 MP: refuses decompression bombs before allocating.</summary>
    public const long DefaultMaxPixels = 500_000_000;

    /// <summary>The format an output path asks for, from its extension (.jpg, .jpeg, .png; any case).</summary>
    public static ImageFormat FormatFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => ImageFormat.Jpeg,
        ".png" => ImageFormat.Png,
        _ => ImageFormat.Unknown,
    };

    /// <summary>The format <paramref name="path"/>'s extension asks for.</summary>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static ImageFormat RequireOutputFormat(string path)
    {
        var format = FormatFromExtension(path);
        return format != ImageFormat.Unknown ? format : throw new OutputFormatException(path);
    }

    /// <summary>Opens an input file and reads its header; every way it can be unusable is an <see cref="InputException"/>.</summary>
    /// <exception cref="InputException">Missing, unreadable, not a regular file, not a usable JPEG/PNG, or too large.</exception>
    public static ImageDecoder OpenInput(string path, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new InputException($"'{path}' is a directory, not an image file", "is a directory, not an image file");
        }
        try
        {
            return ImageDecoder.Open(path, maxPixels);
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

    /// <summary>Decodes a whole input file into a buffer from <paramref name="allocate"/>.</summary>
    /// <exception cref="InputException">The file cannot be read or decoded.</exception>
    public static PixelBuffer DecodeInput(string path, long maxPixels, Func<ImageGeometry, PixelBuffer> allocate)
    {
        using var decoder = OpenInput(path, maxPixels);
        try
        {
            return DecodeAll(decoder, allocate);
        }
        catch (InvalidImageException e)
        {
            throw Invalid(path, e);
        }
    }

    /// <summary>Decodes a whole file into a new buffer.</summary>
    /// <exception cref="InputException">The file cannot be read or decoded.</exception>
    public static PixelBuffer Load(string path, long maxPixels = DefaultMaxPixels) => DecodeInput(path, maxPixels, PixelBuffer.Allocate);

    /// <summary>Decodes every row of an opened file into a buffer that <paramref name="allocate"/> provides for its geometry.</summary>
    /// <remarks>The caller owns the returned buffer; on failure it is disposed here.</remarks>
    /// <exception cref="InvalidImageException">The image is too large for one buffer, corrupt or truncated.</exception>
    public static PixelBuffer DecodeAll(ImageDecoder decoder, Func<ImageGeometry, PixelBuffer> allocate)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(allocate);
        var geometry = GeometryOf(decoder.Info);
        var pixels = allocate(geometry);
        try
        {
            decoder.ReadRows(pixels.Span, geometry.RowBytes, geometry.Height);
            return pixels;
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>The geometry of a decoded header.</summary>
    /// <exception cref="InvalidImageException">The image does not fit in one buffer.</exception>
    public static ImageGeometry GeometryOf(ImageInfo info)
    {
        var geometry = new ImageGeometry(info.Width, info.Height, info.Channels);
        if (geometry.ByteLength > Array.MaxLength)
        {
            throw new InvalidImageException(NativeStatus.TooLarge, $"the image ({geometry}) needs more than 2 GiB of pixels");
        }
        return geometry;
    }

    /// <summary>Encodes pixels in the format of <paramref name="path"/>'s extension.</summary>
    /// <returns>The encoder, holding the encoded bytes; the caller disposes it.</returns>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static ImageEncoder Encode(string path, ReadOnlySpan<byte> pixels, ImageGeometry geometry, int quality)
    {
        var format = RequireOutputFormat(path);
        var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels, quality);
        try
        {
            encoder.WriteRows(pixels, geometry.RowBytes, geometry.Height);
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes <paramref name="input"/> band by band, applies <paramref name="lut"/> and encodes each band as it
    /// comes, on the calling thread, then writes <paramref name="output"/> atomically (format from its
    /// extension). Holds one band of pixels (an interlaced PNG: the whole image). What a worker runs for a file job.
    /// </summary>
    /// <exception cref="InputException">The input is missing, unreadable, not a regular file or not a usable JPEG/PNG.</exception>
    /// <exception cref="OutputFormatException">The output's extension names no format this program writes.</exception>
    /// <exception cref="OutputException">The output could not be written; nothing is left under its name.</exception>
    public static FileTransformResult Transform(string input, string output, LookupTable lut, int quality, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(lut);
        var format = RequireOutputFormat(output);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var decoder = OpenInput(input, maxPixels);
        try
        {
            return TransformOpened(decoder, output, format, lut, quality, started);
        }
        catch (InvalidImageException e)
        {
            throw Invalid(input, e);
        }
    }

    private static FileTransformResult TransformOpened(ImageDecoder decoder, string output, ImageFormat format, LookupTable lut, int quality, long started)
    {
        long decodeTicks = 0, kernelTicks = 0, encodeTicks = 0;
        var geometry = GeometryOf(decoder.Info);
        decodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        int bandRows = decoder.Info.RequiresWholeImage ? geometry.Height : Math.Clamp((1 << 20) / geometry.RowBytes, 1, geometry.Height);
        using var band = PixelBuffer.Allocate(new ImageGeometry(geometry.Width, bandRows, geometry.Channels));
        using var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels, quality);
        for (int done = 0; done < geometry.Height;)
        {
            int rows = Math.Min(bandRows, geometry.Height - done);
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var pixels = band.Span[..(rows * geometry.RowBytes)];
            if (decoder.ReadRows(pixels, geometry.RowBytes, rows) != rows)
            {
                throw new InvalidImageException(NativeStatus.Format, $"the image ended after {decoder.RowsRead} of {geometry.Height} rows");
            }
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            lut.ApplyInPlace(pixels);
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            encoder.WriteRows(pixels, geometry.RowBytes, rows);
            encodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t2;
            kernelTicks += t2 - t1;
            decodeTicks += t1 - t0;
            done += rows;
        }
        long finish = System.Diagnostics.Stopwatch.GetTimestamp();
        var encoded = encoder.Finish();
        try
        {
            WriteAtomically(output, encoded);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write '{output}': {e.Message}", e);
        }
        encodeTicks += System.Diagnostics.Stopwatch.GetTimestamp() - finish;
        return new FileTransformResult(geometry, encoded.Length, Nanoseconds(decodeTicks), Nanoseconds(kernelTicks), Nanoseconds(encodeTicks));
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
    public static void Save(string path, ReadOnlySpan<byte> pixels, ImageGeometry geometry, int quality = 90)
    {
        using var encoder = Encode(path, pixels, geometry, quality);
        WriteAtomically(path, encoder.Finish());
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
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var temporary = OutputTemporaries.CreatePath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(bytes);
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
