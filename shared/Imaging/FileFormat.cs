namespace ProcessFarm.Shared.Imaging;

/// <summary>The image file formats this program reads and writes (README, "Formats").</summary>
public enum FileFormat
{
    /// <summary>None this program knows.</summary>
    Unknown = 0,

    /// <summary>JPEG: libjpeg-turbo, or ImageSharp for CMYK/YCCK files and with <c>--codec imagesharp</c>.</summary>
    Jpeg,

    /// <summary>PNG: libpng, or ImageSharp with <c>--codec imagesharp</c>.</summary>
    Png,

    /// <summary>GIF (ImageSharp; the first frame only).</summary>
    Gif,

    /// <summary>BMP (ImageSharp).</summary>
    Bmp,

    /// <summary>TIFF (ImageSharp; the first page only).</summary>
    Tiff,

    /// <summary>WebP (ImageSharp).</summary>
    Webp,

    /// <summary>TGA (ImageSharp).</summary>
    Tga,

    /// <summary>The Netpbm family: PBM, PGM, PPM (ImageSharp).</summary>
    Pbm,
}
