using System.Buffers.Binary;

namespace ProcessFarm.Tests;

/// <summary>Builds hostile image files on the fly, so the corpus needs no binary fixtures.</summary>
internal static class HostileImages
{
    /// <summary>A PNG signature and a valid IHDR chunk (correct CRC) declaring the given size, then nothing.</summary>
    public static byte[] PngHeader(uint width, uint height)
    {
        var bytes = new List<byte>(Signature);
        AddChunk(bytes, "IHDR"u8, Ihdr(width, height, interlaced: false));
        return [.. bytes];
    }

    /// <summary>
    /// A complete, valid Adam7-interlaced 2x2 RGB PNG (which libpng can only hand out whole): pixels, row by row,
    /// are <paramref name="pixels"/> (12 bytes). Pass 1 holds (0,0), pass 6 (1,0), pass 7 row 1.
    /// </summary>
    public static byte[] InterlacedPng2x2(ReadOnlySpan<byte> pixels)
    {
        // Each reduced image's rows start with filter byte 0 (None).
        byte[] raw = [0, .. pixels[0..3], 0, .. pixels[3..6], 0, .. pixels[6..12]];
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw);
        }
        var bytes = new List<byte>(Signature);
        AddChunk(bytes, "IHDR"u8, Ihdr(2, 2, interlaced: true));
        AddChunk(bytes, "IDAT"u8, compressed.ToArray());
        AddChunk(bytes, "IEND"u8, []);
        return [.. bytes];
    }

    private static byte[] Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static byte[] Ihdr(uint width, uint height, bool interlaced)
    {
        byte[] data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        data[8] = 8; // bit depth
        data[9] = 2; // RGB
        data[12] = interlaced ? (byte)1 : (byte)0;
        return data;
    }

    private static void AddChunk(List<byte> bytes, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        byte[] chunk = [.. type, .. data];
        byte[] word = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        bytes.AddRange(word);
        bytes.AddRange(chunk);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(chunk));
        bytes.AddRange(word);
    }

    /// <summary>The CRC-32 PNG chunks carry (ISO 3309 polynomial, reflected), so libpng reads past the check.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
