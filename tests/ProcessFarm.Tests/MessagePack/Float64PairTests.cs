using System.Buffers;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

/// <summary>
/// The bulk path for arrays of <c>[float64, float64]</c> (complex numbers): the same bytes as token-by-token
/// writing, the same values back, across segment boundaries, mixed with other shapes, and malformed input refused.
/// </summary>
public class Float64PairTests
{
    private static readonly double[] s_values = [0.5, -0.25, double.MaxValue, double.Epsilon, double.NaN, -0.0, 1e300, 3];

    [Fact]
    public void WriteFloat64Pairs_WritesWhatTokenByTokenWrites()
    {
        var bulk = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(bulk);
        writer.WriteFloat64Pairs(s_values);
        writer.Flush();

        var tokens = new ArrayBufferWriter<byte>();
        var reference = new MessagePackWriter(tokens);
        for (int i = 0; i < s_values.Length; i += 2)
        {
            reference.WriteArrayHeader(2);
            reference.Write(s_values[i]);
            reference.Write(s_values[i + 1]);
        }
        reference.Flush();

        Assert.Equal(tokens.WrittenSpan.ToArray(), bulk.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transcode_MixedArray_RoundTripsExactly_WholeOrOneBytePerSegment(bool oneBytePerSegment)
    {
        // [[0.5, -0.25], [1, 2.0], [max, eps], [NaN, -0.0], "x", [1e300, 3.0]]: pairs, a non-pair pair, a string.
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(6);
        writer.WriteFloat64Pairs(s_values.AsSpan(0, 2));
        writer.WriteArrayHeader(2);
        writer.Write(1);
        writer.Write(2.0);
        writer.WriteFloat64Pairs(s_values.AsSpan(2, 4));
        writer.Write("x");
        writer.WriteFloat64Pairs(s_values.AsSpan(6, 2));
        writer.Flush();
        byte[] encoded = output.WrittenSpan.ToArray();
        var input = oneBytePerSegment ? MessagePackFixtureTests.OneBytePerSegment(encoded) : new ReadOnlySequence<byte>(encoded);

        var skipper = new MessagePackReader(input);
        skipper.Skip();
        Assert.True(skipper.End);

        var reader = new MessagePackReader(input);
        var copy = new ArrayBufferWriter<byte>();
        var copier = new MessagePackWriter(copy);
        MessagePackTranscoder.Transcode(ref reader, ref copier);
        copier.Flush();
        Assert.Equal(encoded, copy.WrittenSpan.ToArray());
    }

    [Fact]
    public void ReadFloat64Pairs_ReadsTheValues_AndStopsAtAnotherShape()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteFloat64Pairs(s_values.AsSpan(0, 4));
        writer.WriteArrayHeader(2);
        writer.Write(2.0);
        writer.Write(1.5f); // the second value a float 32: not the bulk shape
        writer.WriteFloat64Pairs(s_values.AsSpan(4, 4)); // more pairs after it, so the span is long enough to misread
        writer.Flush();

        var reader = new MessagePackReader(new ReadOnlySequence<byte>(output.WrittenSpan.ToArray()));
        double[] values = new double[8];
        Assert.Equal(2, reader.ReadFloat64Pairs(values));
        Assert.Equal(s_values[..4], values[..4]);
        Assert.Equal(0, reader.ReadFloat64Pairs(values));
        Assert.Equal(2, reader.ReadArrayHeader());
        Assert.Equal(2.0, reader.ReadDouble());
        Assert.Equal(1.5, reader.ReadDouble());
    }

    [Fact]
    public void Skip_TruncatedPair_Throws()
    {
        byte[] encoded = [0x91, 0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0, 0]; // the second double is cut short
        Assert.Throws<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(new ReadOnlySequence<byte>(encoded));
            reader.Skip();
        });
    }
}
