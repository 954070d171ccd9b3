using System.Buffers.Binary;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Tests;

// Over 300 lines on purpose: one recipe per hostile file, side by side, so that each test's file reads as what it is.

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

    /// <summary>
    /// 141 bytes: a 100x100 PNG header, then a <paramref name="type"/> chunk declaring 2^31 - 1 bytes of which 100 follow.
    /// libpng used to allocate (and zero) the declared length of a text chunk before finding the file truncated.
    /// </summary>
    public static byte[] PngWithHugeChunk(string type = "tEXt")
    {
        var bytes = new List<byte>(PngHeader(100, 100));
        bytes.AddRange([0x7F, 0xFF, 0xFF, 0xFF]);
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(type));
        bytes.AddRange(new byte[100]);
        return [.. bytes];
    }

    /// <summary>A well-formed RGB PNG declaring <paramref name="width"/> x <paramref name="height"/> whose IDAT holds only the first row.</summary>
    public static byte[] PngDeclaringMoreThanItsData(uint width, uint height)
    {
        var bytes = new List<byte>(Signature);
        AddChunk(bytes, "IHDR"u8, Ihdr(width, height, interlaced: false));
        AddChunk(bytes, "IDAT"u8, Zlib(new byte[1 + (3 * width)]));
        AddChunk(bytes, "IEND"u8, []);
        return [.. bytes];
    }

    /// <summary>
    /// A 16x1 RGB PNG carrying <paramref name="chunks"/> zTXt chunks that each inflate to 7.9 MB of text (8 KB
    /// compressed): libpng used to keep them all in memory.
    /// </summary>
    public static byte[] PngWithTextBomb(int chunks)
    {
        byte[] text = [.. "k\0\0"u8, .. Zlib(Enumerable.Repeat((byte)'a', 7_900_000).ToArray())];
        var bytes = new List<byte>(Signature);
        AddChunk(bytes, "IHDR"u8, Ihdr(16, 1, interlaced: false));
        for (int i = 0; i < chunks; i++)
        {
            AddChunk(bytes, "zTXt"u8, text);
        }
        AddChunk(bytes, "IDAT"u8, Zlib(new byte[1 + (3 * 16)]));
        AddChunk(bytes, "IEND"u8, []);
        return [.. bytes];
    }

    /// <summary>One scan of <see cref="HandMadeProgressiveJpeg"/>: spectral band, successive approximation, components (1-based ids) and entropy-coded bytes.</summary>
    public readonly record struct Scan(int Ss, int Se, int Ah, int Al, byte[] Components, byte[] Data);

    /// <summary>
    /// A progressive JPEG (SOF2) written by hand: 8-bit, <paramref name="components"/> components sampled 1x1, a
    /// quantization table of ones, one DC and one AC Huffman table each holding a single one-bit code (the DC code
    /// means "difference 0", the AC code "end of block"), so an all-zero byte is eight flat blocks. Then the scans, EOI.
    /// </summary>
    public static byte[] HandMadeProgressiveJpeg(int width, int height, int components, IEnumerable<Scan> scans)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        AddSegment(bytes, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        var frame = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components };
        for (int c = 1; c <= components; c++)
        {
            frame.AddRange([(byte)c, 0x11, 0]);
        }
        AddSegment(bytes, 0xC2, [.. frame]);
        byte[] oneCode = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        AddSegment(bytes, 0xC4, [0x00, .. oneCode, 0x00, 0x10, .. oneCode, 0x00]);
        foreach (var scan in scans)
        {
            var header = new List<byte> { (byte)scan.Components.Length };
            foreach (byte c in scan.Components)
            {
                header.AddRange([c, 0x00]);
            }
            header.AddRange([(byte)scan.Ss, (byte)scan.Se, (byte)((scan.Ah << 4) | scan.Al)]);
            AddSegment(bytes, 0xDA, [.. header]);
            bytes.AddRange(scan.Data);
        }
        bytes.AddRange([0xFF, 0xD9]);
        return [.. bytes];
    }

    /// <summary>
    /// 296 KB: a progressive JPEG declaring 25000 x 20000 pixels (500 MP, three components) whose one DC scan
    /// holds 296,000 zero bytes, enough for a tenth of its blocks. It used to take 2.9 GB of coefficient buffers
    /// and about 9 s to decode into grey.
    /// </summary>
    public static byte[] ProgressiveJpegDeclaring500Megapixels() =>
        HandMadeProgressiveJpeg(25000, 20000, 3, [new Scan(0, 0, 0, 0, [1, 2, 3], new byte[296_000])]);

    /// <summary>A valid 8x8 gray progressive JPEG with <paramref name="scans"/> scans (at most 896: every bit plane of every coefficient).</summary>
    public static byte[] ProgressiveJpegWithManyScans(int scans)
    {
        var list = new List<Scan>();
        for (int k = 0; k < 64 && list.Count < scans; k++)
        {
            for (int al = 13; al >= 0 && list.Count < scans; al--)
            {
                int ah = al == 13 ? 0 : al + 1;
                list.Add(new Scan(k, k, ah, al, [1], [0x00]));
            }
        }
        return HandMadeProgressiveJpeg(8, 8, 1, list);
    }

    /// <summary>The header of an arithmetic-coded (SOF9) 64x64 gray JPEG and a scan header, then EOI.</summary>
    public static byte[] ArithmeticJpegHeader()
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        AddSegment(bytes, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        AddSegment(bytes, 0xC9, [8, 0, 64, 0, 64, 1, 1, 0x11, 0]);
        AddSegment(bytes, 0xDA, [1, 1, 0x00, 0, 63, 0]);
        bytes.AddRange([0x00, 0x00, 0xFF, 0xD9]);
        return [.. bytes];
    }

    private static void AddSegment(List<byte> bytes, byte marker, byte[] payload)
    {
        bytes.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        bytes.AddRange(payload);
    }

    /// <summary>The photo-like sample encoded by the project's own encoder (baseline JPEG or PNG).</summary>
    public static byte[] Sample(ImageFormat format, ImageGeometry geometry)
    {
        using var pixels = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(pixels);
        using var encoder = ImageEncoder.Begin(format, geometry.Width, geometry.Height, geometry.Channels);
        encoder.WriteRows(pixels.Span, geometry.RowBytes, geometry.Height);
        return encoder.Finish().ToArray();
    }

    /// <summary>
    /// <paramref name="jpeg"/> with 200 bytes in the middle of its entropy-coded data replaced by seeded random
    /// bytes (never 0xFF, so no marker appears): the header and the end of the file stay valid.
    /// </summary>
    public static byte[] JpegWithGarbage(byte[] jpeg, int seed = 1)
    {
        var (_, dataStart) = JpegLayout(jpeg);
        byte[] bytes = [.. jpeg];
        var random = new Random(seed);
        int at = dataStart + (bytes.Length - dataStart) / 3;
        for (int i = at; i < at + 200; i++)
        {
            bytes[i] = (byte)random.Next(0, 0xFF);
        }
        return bytes;
    }

    /// <summary><paramref name="jpeg"/>'s entropy-coded data cut in half, followed by a proper EOI marker.</summary>
    public static byte[] JpegEndingEarlyWithEoi(byte[] jpeg)
    {
        var (_, dataStart) = JpegLayout(jpeg);
        int cut = dataStart + (jpeg.Length - dataStart) / 2;
        if (jpeg[cut - 1] == 0xFF)
        {
            cut--; // do not leave half of a stuffed byte pair
        }
        return [.. jpeg.AsSpan(0, cut), 0xFF, 0xD9];
    }

    /// <summary><paramref name="jpeg"/> with its frame header claiming <paramref name="factor"/> times as many rows as the data holds.</summary>
    public static byte[] JpegTallerThanItsData(byte[] jpeg, int factor)
    {
        var (frame, _) = JpegLayout(jpeg);
        byte[] bytes = [.. jpeg];
        int height = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(frame + 5));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(frame + 5), checked((ushort)(height * factor)));
        return bytes;
    }

    /// <summary>
    /// A non-interlaced 8-bit RGB PNG of <paramref name="geometry"/>'s sample whose IDAT holds
    /// <paramref name="idat"/> applied to the zlib stream of its rows (filter byte 0 each); CRCs are right unless
    /// <paramref name="breakIdatCrc"/>, and <paramref name="extraChunks"/> go between IHDR and IDAT.
    /// </summary>
    public static byte[] Png(ImageGeometry geometry, Func<byte[], byte[]>? idat = null, bool breakIdatCrc = false, params (string Type, byte[] Data, bool BadCrc)[] extraChunks)
    {
        if (geometry.Channels != 3)
        {
            throw new ArgumentException("RGB only", nameof(geometry));
        }
        using var pixels = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(pixels);
        using var raw = new MemoryStream();
        for (int y = 0; y < geometry.Height; y++)
        {
            raw.WriteByte(0);
            raw.Write(pixels.Span.Slice(y * geometry.RowBytes, geometry.RowBytes));
        }
        byte[] stream = Zlib(raw.ToArray());
        var bytes = new List<byte>(Signature);
        AddChunk(bytes, "IHDR"u8, Ihdr((uint)geometry.Width, (uint)geometry.Height, interlaced: false));
        foreach (var (type, data, badCrc) in extraChunks)
        {
            AddChunk(bytes, System.Text.Encoding.ASCII.GetBytes(type), data);
            if (badCrc)
            {
                bytes[^1] ^= 0x01;
            }
        }
        AddChunk(bytes, "IDAT"u8, idat is null ? stream : idat(stream));
        if (breakIdatCrc)
        {
            bytes[^1] ^= 0x01;
        }
        AddChunk(bytes, "IEND"u8, []);
        return [.. bytes];
    }

    /// <summary>The zlib stream (RFC 1950) of <paramref name="data"/>.</summary>
    public static byte[] Zlib(ReadOnlySpan<byte> data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }
        return compressed.ToArray();
    }

    /// <summary>Offsets of the frame header's marker (SOFn) and of the first byte after the first scan header.</summary>
    private static (int Frame, int DataStart) JpegLayout(byte[] jpeg)
    {
        int frame = -1;
        for (int at = 2; at + 4 <= jpeg.Length;)
        {
            byte marker = jpeg[at + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 2));
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                frame = at;
            }
            if (marker == 0xDA)
            {
                return (frame, at + 2 + length);
            }
            at += 2 + length;
        }
        throw new ArgumentException("no scan in the JPEG", nameof(jpeg));
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
