using System.Numerics;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>What one echo round trip carries: raw bytes, or complex numbers (the article's structured case).</summary>
internal sealed class EchoPayload
{
    private EchoPayload(string kind, byte[]? bytes, Complex[]? items)
    {
        Kind = kind;
        Bytes = bytes;
        Items = items;
    }

    /// <summary>"bytes" or "complex".</summary>
    public string Kind { get; }

    public byte[]? Bytes { get; }

    public Complex[]? Items { get; }

    /// <summary>Payload size as data: the bytes, or 16 bytes (two float64) per complex number.</summary>
    public long DataBytes => Bytes?.LongLength ?? (Items!.LongLength * 16);

    /// <summary>Items: complex numbers, or 1 for a bytes payload.</summary>
    public long ItemCount => Items?.LongLength ?? 1;

    public static EchoPayload OfBytes(int size)
    {
        byte[] bytes = GC.AllocateUninitializedArray<byte>(size);
        new Random(size).NextBytes(bytes);
        return new EchoPayload("bytes", bytes, null);
    }

    public static EchoPayload OfComplex(int count)
    {
        var items = new Complex[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = new Complex(i * 0.5, -i * 0.25);
        }
        return new EchoPayload("complex", null, items);
    }
}
