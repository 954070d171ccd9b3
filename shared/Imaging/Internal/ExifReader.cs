using System.Buffers.Binary;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>Reads the one EXIF field the program acts on, the orientation, from a TIFF-structured EXIF block.</summary>
internal static class ExifReader
{
    private const ushort OrientationTag = 0x0112;

    /// <summary>IFD0's Orientation (1..8), or 1 when the block is missing, malformed or says something else.</summary>
    public static int Orientation(byte[]? exif)
    {
        if (exif is null || exif.Length < 8)
        {
            return 1;
        }
        bool little = exif[0] == (byte)'I' && exif[1] == (byte)'I';
        bool big = exif[0] == (byte)'M' && exif[1] == (byte)'M';
        if (!little && !big)
        {
            return 1;
        }
        uint ifd = Read32(exif, 4, little);
        if (ifd > (uint)exif.Length - 2)
        {
            return 1;
        }
        int entries = Read16(exif, (int)ifd, little);
        for (int i = 0; i < entries; i++)
        {
            long entry = ifd + 2 + (12L * i);
            if (entry + 12 > exif.Length)
            {
                return 1;
            }
            if (Read16(exif, (int)entry, little) == OrientationTag && Read16(exif, (int)entry + 2, little) == 3)
            {
                int value = Read16(exif, (int)entry + 8, little);
                return value is >= 1 and <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static ushort Read16(byte[] data, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset)) : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset));

    private static uint Read32(byte[] data, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
}
