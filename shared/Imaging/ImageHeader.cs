namespace ProcessFarm.Shared.Imaging;

/// <summary>What a reader found in a file's header, and what the output keeps of it.</summary>
/// <param name="Format">The file's format, from its content.</param>
/// <param name="Geometry">The decoded pixels: size, channels (alpha last) and bits per sample.</param>
/// <param name="Palette">A palette PNG's palette (the pixels are then indices), or null.</param>
/// <param name="Metadata">EXIF, ICC, XMP and the format's own blocks.</param>
/// <param name="Codec">The library that decodes it: "libjpeg-turbo", "libpng" or "ImageSharp".</param>
/// <param name="Note">What the reader left out, for the report (a GIF's or TIFF's further frames), or null.</param>
public sealed record ImageHeader(FileFormat Format, ImageGeometry Geometry, Palette? Palette, ImageMetadata Metadata, string Codec, string? Note = null)
{
    /// <summary>Whether the file was lossy-compressed (JPEG, lossy WebP): a WebP output then stays lossy.</summary>
    public bool Lossy { get; init; }

    /// <summary>A header for pixels that come from no file (the generated sample).</summary>
    public static ImageHeader ForPixels(ImageGeometry geometry) => new(FileFormat.Unknown, geometry, null, ImageMetadata.None, "generated");
}
