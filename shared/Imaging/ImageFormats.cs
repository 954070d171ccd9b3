namespace ProcessFarm.Shared.Imaging;

/// <summary>Which format a file is, from its content (magic bytes), and which one an output path asks for.</summary>
public static class ImageFormats
{
    /// <summary>The extensions of files a directory contributes to a batch, and that outputs may carry (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } =
        [".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".tga", ".pbm", ".pgm", ".ppm"];

    /// <summary>The format <paramref name="path"/>'s extension names (any case), or <see cref="FileFormat.Unknown"/>.</summary>
    public static FileFormat FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => FileFormat.Jpeg,
        ".png" => FileFormat.Png,
        ".gif" => FileFormat.Gif,
        ".bmp" => FileFormat.Bmp,
        ".tif" or ".tiff" => FileFormat.Tiff,
        ".webp" => FileFormat.Webp,
        ".tga" => FileFormat.Tga,
        ".pbm" or ".pgm" or ".ppm" => FileFormat.Pbm,
        _ => FileFormat.Unknown,
    };

    /// <summary>
    /// The format of an encoded file from its first bytes. TGA has no signature: it is <see cref="FileFormat.Unknown"/>
    /// here and recognised by ImageSharp's header check (<see cref="ImageCodecs"/>).
    /// </summary>
    public static FileFormat Detect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return FileFormat.Jpeg;
        }
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return FileFormat.Png;
        }
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return FileFormat.Gif;
        }
        if (data.StartsWith("BM"u8) && data.Length >= 14)
        {
            return FileFormat.Bmp;
        }
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) || data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8))
        {
            return FileFormat.Tiff;
        }
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return FileFormat.Webp;
        }
        if (data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'6' && data[2] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'#')
        {
            return FileFormat.Pbm;
        }
        return FileFormat.Unknown;
    }

    /// <summary>
    /// Whether a JPEG's frame has four components (CMYK or YCCK), which libjpeg-turbo decodes but this program
    /// cannot turn into RGB without colour management: such files go to ImageSharp. Walks the markers up to the
    /// first frame header; false when there is none.
    /// </summary>
    public static bool IsFourComponentJpeg(ReadOnlySpan<byte> data)
    {
        int position = 2;
        while (position + 4 <= data.Length)
        {
            if (data[position] != 0xFF)
            {
                return false;
            }
            byte marker = data[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }
            int length = (data[position + 2] << 8) | data[position + 3];
            bool frame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (frame)
            {
                return position + 9 < data.Length && data[position + 9] == 4;
            }
            if (marker is 0xDA or 0xD9 || length < 2)
            {
                return false;
            }
            position += 2 + length;
        }
        return false;
    }

    /// <summary>The format's usual name.</summary>
    public static string Name(FileFormat format) => format switch
    {
        FileFormat.Jpeg => "JPEG",
        FileFormat.Png => "PNG",
        FileFormat.Gif => "GIF",
        FileFormat.Bmp => "BMP",
        FileFormat.Tiff => "TIFF",
        FileFormat.Webp => "WebP",
        FileFormat.Tga => "TGA",
        FileFormat.Pbm => "PBM/PGM/PPM",
        _ => "unknown",
    };
}
