namespace ProcessFarm.Shared.Native;

/// <summary>Encodes an image into memory, row band by row band, as JPEG or PNG.</summary>
/// <remarks>The encoded bytes returned by <see cref="Finish"/> belong to the encoder and die with it.</remarks>
public sealed unsafe class ImageEncoder : IDisposable
{
    /// <summary>The zlib level used for PNG: level 6 took 5x as long on a 24 MP photo for a 5% smaller file.</summary>
    public const int DefaultPngCompression = 1;

    private readonly SafeEncoderHandle _handle;
    private readonly int _rowBytes;
    private byte* _finished;
    private int _finishedBytes;

    private ImageEncoder(SafeEncoderHandle handle, int rowBytes)
    {
        _handle = handle;
        _rowBytes = rowBytes;
    }

    /// <summary>Starts an image.</summary>
    /// <param name="format">JPEG or PNG.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="channels">1, 3 or 4 for JPEG (which drops alpha); 1 to 4 for PNG.</param>
    /// <param name="quality">JPEG quality, 1..100.</param>
    /// <param name="compression">PNG zlib level, 0..9.</param>
    /// <param name="extras">16-bit samples, a palette, metadata; none by default.</param>
    /// <exception cref="ArgumentException">A size, channel count, quality, format or extra the library refuses.</exception>
    public static ImageEncoder Begin(ImageFormat format, int width, int height, int channels, int quality = 90, int compression = DefaultPngCompression, EncoderExtras? extras = null)
    {
        extras ??= EncoderExtras.None;
        var handle = Interop.PfNative.EncoderCreate();
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new OutOfMemoryException("pf_encoder_create failed.");
        }
        try
        {
            var status = extras.Progressive ? Interop.PfNative.EncoderSetProgressive(handle, 1) : NativeStatus.Ok;
            if (status == NativeStatus.Ok && extras.Cmyk != 0)
            {
                status = Interop.PfNative.EncoderSetCmyk(handle, extras.Cmyk == 2 ? 1 : 0);
            }
            if (status == NativeStatus.Ok && extras.Bits != 8)
            {
                status = Interop.PfNative.EncoderSetBits(handle, extras.Bits);
            }
            if (status == NativeStatus.Ok && extras.Palette is var (rgb, alpha, bitDepth))
            {
                fixed (byte* r = rgb)
                fixed (byte* a = alpha)
                {
                    status = Interop.PfNative.EncoderSetPalette(handle, r, rgb.Length / 3, a, alpha.Length, bitDepth);
                }
            }
            foreach (var (kind, data) in extras.Metadata)
            {
                if (status != NativeStatus.Ok)
                {
                    break;
                }
                fixed (byte* d = data)
                {
                    status = Interop.PfNative.EncoderAddMetadata(handle, kind, d, data.Length);
                }
            }
            if (status == NativeStatus.Ok)
            {
                status = Interop.PfNative.EncoderBegin(handle, format, width, height, channels, quality, compression);
            }
            if (status != NativeStatus.Ok)
            {
                throw new ArgumentException(ImageDecoder.Failure(status, Interop.PfNative.EncoderError(handle)).Message);
            }
            return new ImageEncoder(handle, width * channels * extras.Bits / 8);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Starts a progressive JPEG (libjpeg's simple progression); for tests that need one, the CLI writes baseline.</summary>
    /// <exception cref="ArgumentException">A size, channel count or quality the library refuses.</exception>
    internal static ImageEncoder BeginProgressiveJpeg(int width, int height, int channels, int quality = 90) =>
        Begin(ImageFormat.Jpeg, width, height, channels, quality, DefaultPngCompression, new EncoderExtras { Progressive = true });

    /// <summary>Appends <paramref name="rows"/> rows; row r starts at r * <paramref name="rowStride"/>.</summary>
    /// <exception cref="InvalidImageException">The codec failed.</exception>
    public void WriteRows(ReadOnlySpan<byte> source, int rowStride, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowStride, _rowBytes);
        if (rows > 0 && (long)(rows - 1) * rowStride + _rowBytes > source.Length)
        {
            throw new ArgumentException("The source is shorter than the rows it should hold.", nameof(source));
        }
        fixed (byte* src = source)
        {
            var status = Interop.PfNative.EncoderWriteRows(_handle, src, rowStride, rows);
            if (status != NativeStatus.Ok)
            {
                throw ImageDecoder.Failure(status, Interop.PfNative.EncoderError(_handle));
            }
        }
    }

    /// <summary>Completes the image once every row is written; called again, returns the same bytes.</summary>
    /// <returns>The encoded file, valid until the encoder is disposed.</returns>
    public ReadOnlySpan<byte> Finish()
    {
        // The native finish runs once; later calls return the same bytes (the caller may look at them twice),
        // never after Dispose, which frees them.
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_finished is null)
        {
            byte* data;
            long length;
            var status = Interop.PfNative.EncoderFinish(_handle, &data, &length);
            if (status != NativeStatus.Ok)
            {
                throw ImageDecoder.Failure(status, Interop.PfNative.EncoderError(_handle));
            }
            _finishedBytes = checked((int)length);
            _finished = data;
        }
        return new ReadOnlySpan<byte>(_finished, _finishedBytes);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
