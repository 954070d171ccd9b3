using System.Buffers.Binary;
using MessagePack;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// The commonest shape of numeric data, an array element <c>[float64, float64]</c> (a complex number, a 2-D point),
/// read and written in bulk.
/// </summary>
/// <remarks>
/// Kept by hand because the library has no bulk form: its reader and writer take six calls per element, and this
/// path is several times faster in the same run (docs/RESULTS.md, "MessagePack-CSharp"; CodecBenchmarks). It
/// produces exactly the bytes of <c>WriteArrayHeader(2)</c> and two <c>Write(double)</c> calls, and reads only
/// that form: anything else is left to the library (the fixture tests check that both agree on every case).
/// </remarks>
public static class Float64Pairs
{
    /// <summary>Bytes of one element: fixarray(2), then two float 64.</summary>
    public const int EncodedSize = 19;

    /// <summary>
    /// Elements one call reads or skips at most; callers pass a destination of at most this many pairs, too. With tiered
    /// PGO on (the coordinator's default), a loop that handed each call the rest of a 65,536-element destination ran
    /// 4-6x slower than the same loop handing it 256 pairs at a time (1.1-1.9 ms against 0.12-0.3 ms per payload; the
    /// same with PGO off), so every caller works in chunks of this size.
    /// </summary>
    public const int MaxPerCall = 256;

    private const byte FixArrayOfTwo = MessagePackCode.MinFixArray + 2;

    /// <summary>
    /// Reads consecutive elements of the form <c>[float64, float64]</c> into <paramref name="destination"/>, two
    /// values each, and stops at the first element of another form, at the end of the reader's current segment,
    /// when <paramref name="destination"/> is full, or after <see cref="MaxPerCall"/> elements.
    /// </summary>
    /// <returns>Elements read: 0 when the next one is not such a pair or straddles a segment (read it with the library).</returns>
    public static int Read(ref MessagePackReader reader, scoped Span<double> destination)
    {
        var source = reader.Sequence.Slice(reader.Position).FirstSpan;
        int available = Math.Min(Math.Min(destination.Length / 2, MaxPerCall), source.Length / EncodedSize);
        int done = 0;
        while (done < available && TryDecode(source.Slice(done * EncodedSize, EncodedSize), out destination[2 * done], out destination[(2 * done) + 1]))
        {
            done++;
        }
        if (done > 0)
        {
            reader.ReadRaw(done * EncodedSize);
        }
        return done;
    }

    /// <summary>
    /// Skips up to <paramref name="max"/> (and <see cref="MaxPerCall"/>) consecutive elements of the form
    /// <c>[float64, float64]</c>, stopping where <see cref="Read"/> would: the frame reader's validating pass over an echo payload costs a scan of three bytes
    /// per element instead of six library calls.
    /// </summary>
    /// <returns>Elements skipped: 0 when the next one is not such a pair or straddles a segment.</returns>
    public static int Skip(ref MessagePackReader reader, int max)
    {
        var source = reader.Sequence.Slice(reader.Position).FirstSpan;
        int available = Math.Min(Math.Min(max, MaxPerCall), source.Length / EncodedSize);
        int done = 0;
        while (done < available && IsPair(source.Slice(done * EncodedSize, EncodedSize)))
        {
            done++;
        }
        if (done > 0)
        {
            reader.ReadRaw((long)done * EncodedSize);
        }
        return done;
    }

    /// <summary>
    /// Writes <paramref name="values"/> as consecutive elements <c>[values[2i], values[2i+1]]</c>; the caller writes
    /// the enclosing array's header.
    /// </summary>
    /// <exception cref="ArgumentException">An odd number of values.</exception>
    public static void Write(ref MessagePackWriter writer, scoped ReadOnlySpan<double> values)
    {
        if (values.Length % 2 != 0)
        {
            throw new ArgumentException("Pairs need an even number of values.", nameof(values));
        }
        while (!values.IsEmpty)
        {
            int pairs = Math.Min(values.Length / 2, 4096);
            var output = writer.GetSpan(pairs * EncodedSize);
            for (int i = 0; i < pairs; i++)
            {
                Encode(output.Slice(i * EncodedSize, EncodedSize), values[2 * i], values[(2 * i) + 1]);
            }
            writer.Advance(pairs * EncodedSize);
            values = values[(2 * pairs)..];
        }
    }

    private static bool IsPair(ReadOnlySpan<byte> source) =>
        source[0] == FixArrayOfTwo && source[1] == MessagePackCode.Float64 && source[10] == MessagePackCode.Float64;

    private static bool TryDecode(ReadOnlySpan<byte> source, out double a, out double b)
    {
        if (!IsPair(source))
        {
            a = b = 0;
            return false;
        }
        a = BinaryPrimitives.ReadDoubleBigEndian(source[2..]);
        b = BinaryPrimitives.ReadDoubleBigEndian(source[11..]);
        return true;
    }

    private static void Encode(Span<byte> destination, double a, double b)
    {
        destination[0] = FixArrayOfTwo;
        destination[1] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(destination[2..], a);
        destination[10] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(destination[11..], b);
    }
}
