namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// An image transformed and encoded in memory (<see cref="ImageFile.Encode"/>): its bytes, and what was done.
/// </summary>
/// <remarks>
/// Owns the encoder that holds the bytes (native memory for libjpeg-turbo and libpng): <see cref="Bytes"/> is
/// valid until <see cref="Dispose"/>.
/// </remarks>
public sealed class EncodedImage : IDisposable
{
    private readonly IImageWriter _writer;

    internal EncodedImage(IImageWriter writer, FileTransformResult result)
    {
        _writer = writer;
        Result = result;
    }

    /// <summary>The image, the size of <see cref="Bytes"/>, and the time decoding, in the kernel and encoding.</summary>
    public FileTransformResult Result { get; }

    /// <summary>The encoded file.</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public ReadOnlySpan<byte> Bytes => _writer.Finish();

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();
}
