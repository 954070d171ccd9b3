using System.Buffers.Binary;

namespace ProcessFarm.Tests;

/// <summary>Builds hostile image files on the fly, so the corpus needs no binary fixtures.</summary>
internal static class HostileImages
{
    /// <summary>A PNG signature and a valid IHDR chunk (correct CRC) declaring the given size, then nothing.</summary>
    public static byte[] PngHeader(uint width, uint height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        byte[] chunk = new byte[4 + 13];
        "IHDR"u8.CopyTo(chunk);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4), width);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8), height);
        chunk[12] = 8; // bit depth
        chunk[13] = 2; // RGB
        byte[] length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, 13);
        bytes.AddRange(length);
        bytes.AddRange(chunk);
        byte[] crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(chunk));
        bytes.AddRange(crc);
        return [.. bytes];
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
