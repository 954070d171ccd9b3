namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// The other side of the codec seam: an image being encoded row band by row band, from pixels in the layout of
/// the header it was created for (<see cref="ImageCodecs.CreateWriter"/>), converted to what the output format
/// can hold where it holds less.
/// </summary>
public interface IImageWriter : IDisposable
{
    /// <summary>The library that encodes: "libjpeg-turbo", "libpng" or "ImageSharp".</summary>
    string Codec { get; }

    /// <summary>Appends <paramref name="rows"/> rows; row r starts at r * <paramref name="rowStride"/>.</summary>
    /// <exception cref="Native.InvalidImageException">The codec failed.</exception>
    void WriteRows(ReadOnlySpan<byte> source, int rowStride, int rows);

    /// <summary>Completes the image once every row was written; called again, returns the same bytes.</summary>
    /// <returns>The encoded file, valid until the writer is disposed.</returns>
    ReadOnlySpan<byte> Finish();
}
