using System.Buffers.Binary;
using System.Text;

namespace ProcessFarm.Tests;

/// <summary>
/// Hostile files of every format ImageSharp reads here, made from the well-formed files of <see cref="PhotoFolder"/>:
/// cut short, declaring a huge size, declaring a size its bytes cannot hold, or with a broken structure.
/// </summary>
internal static class HostileFormats
{
    /// <summary>The well-formed file each format's hostile variants start from.</summary>
    public static IReadOnlyDictionary<string, string> Sources { get; } = new Dictionary<string, string>
    {
        ["gif"] = "anim.gif",
        ["bmp"] = "photo.bmp",
        ["tiff"] = "photo.tiff",
        ["webp"] = "photo.webp",
        ["tga"] = "photo.tga",
        ["pgm"] = "grey.pgm",
        ["cmyk"] = "cmyk.jpg",
    };

    /// <summary>The variant <paramref name="kind"/> ("truncated", "huge", "forged", "broken") of <paramref name="format"/>.</summary>
    public static byte[] Build(string format, string kind)
    {
        byte[] data = PhotoFolder.Build(Sources[format]);
        return kind switch
        {
            "truncated" => data[..(data.Length * 6 / 10)],
            "huge" => Resize(format, data, 60000, 60000),
            "forged" => Resize(format, data, 20000, 20000),
            "broken" => Break(format, data),
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
    }

    /// <summary>The same file declaring <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    private static byte[] Resize(string format, byte[] data, int width, int height)
    {
        switch (format)
        {
            case "gif": // the logical screen, and the first image inside it
                Write16Le(data, 6, width, height);
                Write16Le(data, GifImageDescriptor(data) + 5, width, height);
                return data;
            case "bmp":
                BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(18), width);
                BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(22), height);
                return data;
            case "tga":
                Write16Le(data, 12, width, height);
                return data;
            case "tiff":
                SetTiffTag(data, 256, width);
                SetTiffTag(data, 257, height);
                return data;
            case "webp": // VP8L: 14-bit width - 1 and height - 1 after the signature byte; 16384 x 16384 at most
            {
                uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(21));
                uint sizes = (uint)(Math.Min(width, 16384) - 1) | ((uint)(Math.Min(height, 16384) - 1) << 14);
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(21), (bits & 0xF0000000u) | sizes);
                return data;
            }
            case "pgm":
            {
                int raster = PgmRaster(data);
                return [.. Encoding.ASCII.GetBytes($"P5\n{width} {height}\n255\n"), .. data.AsSpan(raster)];
            }
            case "cmyk":
            {
                int frame = JpegFrame(data);
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(frame + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(frame + 7), (ushort)width);
                return data;
            }
            default:
                throw new ArgumentException(format, nameof(format));
        }
    }

    /// <summary>The same file with a structure its decoder must refuse.</summary>
    private static byte[] Break(string format, byte[] data)
    {
        switch (format)
        {
            case "gif": // an LZW minimum code size over 11
            {
                int descriptor = GifImageDescriptor(data);
                int packed = data[descriptor + 9];
                int codeSize = descriptor + 10 + ((packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0);
                data[codeSize] = 0x0F;
                return data;
            }
            case "bmp": // 7 bits per pixel
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(28), 7);
                return data;
            case "tiff": // the first directory far beyond the end of the file
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), 0x7FFFFFF0);
                return data;
            case "webp": // not the VP8L signature
                data[20] = 0x00;
                return data;
            case "tga": // no such image type
                data[2] = 99;
                return data;
            case "pgm": // a maximum sample value of 0
            {
                int raster = PgmRaster(data);
                return [.. Encoding.ASCII.GetBytes($"P5\n{PhotoFolder.Width} {PhotoFolder.Height}\n0\n"), .. data.AsSpan(raster)];
            }
            case "cmyk": // a component sampled 0 x 0
                data[JpegFrame(data) + 2 + 6 + 1] = 0x00;
                return data;
            default:
                throw new ArgumentException(format, nameof(format));
        }
    }

    private static void Write16Le(byte[] data, int offset, int width, int height)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(offset), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(offset + 2), (ushort)height);
    }

    /// <summary>Where the first image descriptor (0x2C) of a GIF starts: after the global colour table and extensions.</summary>
    private static int GifImageDescriptor(byte[] data)
    {
        int position = 13 + ((data[10] & 0x80) != 0 ? 3 << ((data[10] & 7) + 1) : 0);
        while (data[position] == 0x21)
        {
            position += 2;
            while (data[position] != 0)
            {
                position += data[position] + 1;
            }
            position++;
        }
        return data[position] == 0x2C ? position : throw new InvalidDataException("no image descriptor");
    }

    /// <summary>Sets a SHORT or LONG tag of a little-endian TIFF's first directory.</summary>
    private static void SetTiffTag(byte[] data, int tag, int value)
    {
        int directory = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(directory));
        for (int i = 0; i < entries; i++)
        {
            int entry = directory + 2 + (12 * i);
            if (BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(entry)) == tag)
            {
                if (BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(entry + 2)) == 3)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(entry + 8), (ushort)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(entry + 8), (uint)value);
                }
                return;
            }
        }
        throw new InvalidDataException($"no tag {tag}");
    }

    /// <summary>Where a binary PGM's raster starts: after magic, width, height, maximum value and one whitespace.</summary>
    private static int PgmRaster(byte[] data)
    {
        int position = 0;
        for (int field = 0; field < 4; field++)
        {
            while (char.IsWhiteSpace((char)data[position]))
            {
                position++;
            }
            while (!char.IsWhiteSpace((char)data[position]))
            {
                position++;
            }
        }
        return position + 1;
    }

    /// <summary>Where a JPEG's frame header (SOF0..SOF2) starts: its marker's first byte.</summary>
    private static int JpegFrame(byte[] data)
    {
        int position = 2;
        while (data[position + 1] is not (0xC0 or 0xC1 or 0xC2))
        {
            position += 2 + BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(position + 2));
        }
        return position;
    }
}
