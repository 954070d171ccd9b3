using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Metadata between its neutral form (<see cref="ImageMetadata"/>) and the blocks JPEG and PNG store it in:
/// APP1 "Exif\0\0" and XMP segments and "ICC_PROFILE" APP2 segments (split at 65,519 bytes), PNG eXIf, iCCP
/// (zlib) and the "XML:com.adobe.xmp" iTXt chunk. A file written in its own format gets its blocks back unchanged.
/// </summary>
internal static class MetadataBlocks
{
    public const int App1 = 0xE1;
    public const int App2 = 0xE2;

    /// <summary>An ICC profile larger than this is dropped rather than inflated (real ones are well under 1 MB).</summary>
    private const int MaxProfileBytes = 16 << 20;

    private static readonly byte[] s_exifHeader = "Exif\0\0"u8.ToArray();
    private static readonly byte[] s_xmpHeader = "http://ns.adobe.com/xap/1.0/\0"u8.ToArray();
    private static readonly byte[] s_iccHeader = "ICC_PROFILE\0"u8.ToArray();
    private static readonly byte[] s_xmpKeyword = "XML:com.adobe.xmp"u8.ToArray();

    public static int PngKind(string type) => BinaryPrimitives.ReadInt32BigEndian(Encoding.ASCII.GetBytes(type));

    /// <summary>The neutral metadata of a JPEG's APP1, APP2 and COM segments.</summary>
    public static ImageMetadata FromJpeg(IReadOnlyList<(int Kind, byte[] Data)> blocks)
    {
        byte[]? exif = null, xmp = null;
        var iccParts = new SortedDictionary<int, byte[]>();
        foreach (var (kind, data) in blocks)
        {
            if (kind == App1 && data.AsSpan().StartsWith(s_exifHeader))
            {
                exif ??= data[s_exifHeader.Length..];
            }
            else if (kind == App1 && data.AsSpan().StartsWith(s_xmpHeader))
            {
                xmp ??= data[s_xmpHeader.Length..];
            }
            else if (kind == App2 && data.Length > s_iccHeader.Length + 2 && data.AsSpan().StartsWith(s_iccHeader))
            {
                iccParts.TryAdd(data[s_iccHeader.Length], data[(s_iccHeader.Length + 2)..]);
            }
        }
        byte[]? icc = iccParts.Count == 0 ? null : [.. iccParts.Values.SelectMany(part => part)];
        return new ImageMetadata { Exif = exif, Icc = icc, Xmp = xmp, SourceFormat = FileFormat.Jpeg, SourceBlocks = blocks };
    }

    /// <summary>The neutral metadata of a PNG's kept ancillary chunks.</summary>
    public static ImageMetadata FromPng(IReadOnlyList<(int Kind, byte[] Data)> blocks)
    {
        byte[]? exif = null, xmp = null, icc = null;
        foreach (var (kind, data) in blocks)
        {
            if (kind == PngKind("eXIf"))
            {
                exif ??= data;
            }
            else if (kind == PngKind("iCCP"))
            {
                icc ??= InflateProfile(data);
            }
            else if (kind == PngKind("iTXt"))
            {
                xmp ??= ReadXmp(data);
            }
        }
        return new ImageMetadata { Exif = exif, Icc = icc, Xmp = xmp, SourceFormat = FileFormat.Png, SourceBlocks = blocks };
    }

    /// <summary>The JPEG segments that carry <paramref name="metadata"/>: the source's own when it was a JPEG.</summary>
    public static IReadOnlyList<(int Kind, byte[] Data)> ForJpeg(ImageMetadata metadata)
    {
        if (metadata.SourceFormat == FileFormat.Jpeg)
        {
            return metadata.SourceBlocks;
        }
        var blocks = new List<(int, byte[])>();
        if (metadata.Exif is { } exif && exif.Length + s_exifHeader.Length <= 65533)
        {
            blocks.Add((App1, [.. s_exifHeader, .. exif]));
        }
        if (metadata.Xmp is { } xmp && xmp.Length + s_xmpHeader.Length <= 65533)
        {
            blocks.Add((App1, [.. s_xmpHeader, .. xmp]));
        }
        if (metadata.Icc is { } icc)
        {
            const int PartBytes = 65533 - 14;
            int parts = (icc.Length + PartBytes - 1) / PartBytes;
            for (int i = 0; i < parts && parts <= 255; i++)
            {
                var part = icc.AsSpan(i * PartBytes, Math.Min(PartBytes, icc.Length - (i * PartBytes)));
                blocks.Add((App2, [.. s_iccHeader, (byte)(i + 1), (byte)parts, .. part]));
            }
        }
        return blocks;
    }

    /// <summary>The PNG chunks that carry <paramref name="metadata"/>: the source's own when it was a PNG.</summary>
    public static IReadOnlyList<(int Kind, byte[] Data)> ForPng(ImageMetadata metadata)
    {
        if (metadata.SourceFormat == FileFormat.Png)
        {
            return metadata.SourceBlocks;
        }
        var blocks = new List<(int, byte[])>();
        if (metadata.Icc is { } icc)
        {
            using var compressed = new MemoryStream();
            compressed.Write("ICC Profile\0\0"u8);
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(icc);
            }
            blocks.Add((PngKind("iCCP"), compressed.ToArray()));
        }
        if (metadata.Exif is { } exif)
        {
            blocks.Add((PngKind("eXIf"), exif));
        }
        if (metadata.Xmp is { } xmp)
        {
            // keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword (each NUL-ended), text
            blocks.Add((PngKind("iTXt"), [.. s_xmpKeyword, 0, 0, 0, 0, 0, .. xmp]));
        }
        return blocks;
    }

    /// <summary>The profile of an iCCP chunk (name, NUL, method 0, zlib data), or null when it is malformed or too large.</summary>
    private static byte[]? InflateProfile(byte[] chunk)
    {
        int nul = Array.IndexOf(chunk, (byte)0);
        if (nul < 1 || nul + 2 > chunk.Length || chunk[nul + 1] != 0)
        {
            return null;
        }
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(chunk, nul + 2, chunk.Length - nul - 2), CompressionMode.Decompress);
            using var profile = new MemoryStream();
            byte[] buffer = new byte[81920];
            int read;
            while ((read = zlib.Read(buffer)) > 0)
            {
                if (profile.Length + read > MaxProfileBytes)
                {
                    return null;
                }
                profile.Write(buffer, 0, read);
            }
            return profile.ToArray();
        }
        catch (InvalidDataException)
        {
            return null; // a damaged profile is left behind, as libpng would
        }
    }

    /// <summary>The text of an uncompressed "XML:com.adobe.xmp" iTXt chunk, or null for any other iTXt.</summary>
    private static byte[]? ReadXmp(byte[] chunk)
    {
        if (!chunk.AsSpan().StartsWith(s_xmpKeyword) || chunk.Length < s_xmpKeyword.Length + 3 || chunk[s_xmpKeyword.Length] != 0 || chunk[s_xmpKeyword.Length + 1] != 0)
        {
            return null;
        }
        int position = s_xmpKeyword.Length + 3; // NUL, compression flag, method
        for (int field = 0; field < 2; field++) // language tag, translated keyword
        {
            int nul = Array.IndexOf(chunk, (byte)0, position);
            if (nul < 0)
            {
                return null;
            }
            position = nul + 1;
        }
        return chunk[position..];
    }
}
