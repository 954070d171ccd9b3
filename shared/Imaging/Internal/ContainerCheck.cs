using System.Buffers.Binary;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Checks that a file ImageSharp is to decode is all there, before it is decoded: ImageSharp's decoders fill what
/// a truncated file lacks (grey or black rows) where libjpeg-turbo and libpng, as this program runs them, refuse.
/// A JPEG must end with its EOI marker and a PNG (with <c>--codec imagesharp</c>) with its IEND chunk; a GIF's blocks must chain up to its trailer, each image's LZW code size
/// within 2..8; a WebP's RIFF size and the pixel data an uncompressed BMP, TGA or binary PBM/PGM/PPM declares must
/// lie inside the file.
/// </summary>
internal static class ContainerCheck
{
    /// <exception cref="InvalidImageException">The file is shorter than its structure says.</exception>
    public static void RequireComplete(FileFormat format, byte[] data, int width, int height)
    {
        string? problem = format switch
        {
            FileFormat.Jpeg => EndsWith(data, [0xFF, 0xD9]) ? null : "the file is truncated: it ends without its end-of-image marker",
            FileFormat.Png => data.Length >= 12 && data.AsSpan(data.Length - 8, 4).SequenceEqual("IEND"u8) ? null : "the file is truncated: it ends without its IEND chunk",
            FileFormat.Gif => Gif(data),
            FileFormat.Webp => data.Length >= 8 && (long)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4)) + 8 <= data.Length ? null : "the file is truncated: its RIFF chunk is longer than the file",
            FileFormat.Bmp => Bmp(data),
            FileFormat.Tga => Tga(data, width, height),
            FileFormat.Pbm => Pbm(data, width, height),
            _ => null,
        };
        if (problem is not null)
        {
            throw new InvalidImageException(NativeStatus.Format, $"{ImageFormats.Name(format)}: {problem}");
        }
    }

    /// <summary>Whether the data ends with <paramref name="tail"/>, ignoring zero padding after it.</summary>
    private static bool EndsWith(byte[] data, ReadOnlySpan<byte> tail) => data.AsSpan().TrimEnd((byte)0).EndsWith(tail);

    /// <summary>Walks a GIF's blocks: extensions and images (with their LZW code size) up to the trailer.</summary>
    private static string? Gif(byte[] data)
    {
        long position = 13 + ((data.Length > 10 && (data[10] & 0x80) != 0) ? 3L << ((data[10] & 7) + 1) : 0);
        while (position < data.Length)
        {
            switch (data[position])
            {
                case 0x3B:
                    return null;
                case 0x21:
                    position = SkipSubBlocks(data, position + 2);
                    break;
                case 0x2C:
                    if (position + 10 >= data.Length)
                    {
                        return "the file is truncated: an image descriptor is cut off";
                    }
                    int packed = data[position + 9];
                    position += 10 + ((packed & 0x80) != 0 ? 3L << ((packed & 7) + 1) : 0);
                    if (position >= data.Length)
                    {
                        return "the file is truncated: an image is cut off";
                    }
                    if (data[position] is < 2 or > 8)
                    {
                        return $"the file is corrupt: an image declares an LZW code size of {data[position]}, not 2 to 8";
                    }
                    position = SkipSubBlocks(data, position + 1);
                    break;
                default:
                    return $"the file is corrupt: a block of unknown type 0x{data[position]:X2} at byte {position}";
            }
        }
        return "the file is truncated: it ends without its trailer";
    }

    /// <summary>The position after a chain of data sub-blocks (length byte, data; a zero length ends it), or past the end.</summary>
    private static long SkipSubBlocks(byte[] data, long position)
    {
        while (position < data.Length && data[position] != 0)
        {
            position += data[position] + 1;
        }
        return position + 1;
    }

    private static string? Bmp(byte[] data)
    {
        if (data.Length < 34)
        {
            return "the file is truncated: its headers are incomplete";
        }
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(10));
        int width = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(18));
        int height = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(22));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(28));
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(30));
        if (compression is not (0 or 3 or 6)) // RGB and bit fields store every row; RLE and embedded JPEG/PNG do not
        {
            return null;
        }
        long rowBytes = (((long)Math.Abs((long)width) * bits) + 31) / 32 * 4;
        long needed = offset + (rowBytes * Math.Abs((long)height));
        return needed <= data.Length ? null : $"the file is truncated: its pixels need {needed} bytes, the file has {data.Length}";
    }

    private static string? Tga(byte[] data, int width, int height)
    {
        if (data.Length < 18)
        {
            return "the file is truncated: its header is incomplete";
        }
        int type = data[2];
        if (type is not (1 or 2 or 3)) // run-length encoded types do not say their size
        {
            return null;
        }
        long colourMap = data[1] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(5)) * (long)((data[7] + 7) / 8) : 0;
        long needed = 18 + data[0] + colourMap + ((long)width * height * ((data[16] + 7) / 8));
        return needed <= data.Length ? null : $"the file is truncated: its pixels need {needed} bytes, the file has {data.Length}";
    }

    private static string? Pbm(byte[] data, int width, int height)
    {
        if (data.Length < 2 || data[1] is not ((byte)'4' or (byte)'5' or (byte)'6'))
        {
            return null; // the plain (text) forms are checked by the decoder as it parses
        }
        int fields = data[1] == '4' ? 2 : 3; // width, height[, maxval]
        int position = 2, maxValue = 1;
        for (int field = 0; field < fields; field++)
        {
            while (position < data.Length && (char.IsWhiteSpace((char)data[position]) || data[position] == '#'))
            {
                if (data[position] == '#')
                {
                    while (position < data.Length && data[position] != '\n')
                    {
                        position++;
                    }
                }
                else
                {
                    position++;
                }
            }
            int value = 0;
            while (position < data.Length && data[position] is >= (byte)'0' and <= (byte)'9')
            {
                value = Math.Min(1 << 20, (value * 10) + (data[position++] - '0'));
            }
            maxValue = field == 2 ? value : maxValue;
        }
        position++; // the single whitespace before the raster
        long samples = data[1] switch
        {
            (byte)'4' => ((width + 7L) / 8) * height,
            (byte)'5' => (long)width * height * (maxValue > 255 ? 2 : 1),
            _ => 3L * width * height * (maxValue > 255 ? 2 : 1),
        };
        return position + samples <= data.Length ? null : $"the file is truncated: its raster needs {samples} bytes, {Math.Max(0, data.Length - position)} follow its header";
    }
}
