namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// What a photo carries besides its pixels, carried to the output: the EXIF block (with its orientation), the
/// ICC colour profile and the XMP packet, in neutral form, plus the file's own metadata blocks as they were, so
/// that a JPEG or PNG written in its own format gets them back byte for byte (PNG text, gamma, chromaticities and
/// physical size; JPEG comments and multi-segment profiles).
/// </summary>
public sealed record ImageMetadata
{
    /// <summary>No metadata.</summary>
    public static ImageMetadata None { get; } = new();

    /// <summary>The EXIF block as a TIFF structure (starting "II*\0" or "MM\0*"), without JPEG's "Exif\0\0"; null if none.</summary>
    public byte[]? Exif { get; init; }

    /// <summary>The ICC profile, uncompressed; null if none.</summary>
    public byte[]? Icc { get; init; }

    /// <summary>The XMP packet (UTF-8 XML); null if none.</summary>
    public byte[]? Xmp { get; init; }

    /// <summary>The format <see cref="SourceBlocks"/> came from (JPEG or PNG), or <see cref="FileFormat.Unknown"/>.</summary>
    public FileFormat SourceFormat { get; init; }

    /// <summary>The source's metadata blocks as the native decoder found them: JPEG segments or PNG chunks.</summary>
    public IReadOnlyList<(int Kind, byte[] Data)> SourceBlocks { get; init; } = [];

    /// <summary>The EXIF orientation, 1..8 (1: as stored; 6: rotate 90 degrees clockwise to view), 1 when absent or invalid.</summary>
    public int Orientation => Internal.ExifReader.Orientation(Exif);

    /// <summary>Whether anything is carried.</summary>
    public bool IsEmpty => Exif is null && Icc is null && Xmp is null && SourceBlocks.Count == 0;
}
