using System.Buffers;
using MessagePack;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

/// <summary>
/// The bulk path for arrays of <c>[float64, float64]</c> inside the transcoder: mixed with other shapes, across
/// segment boundaries, at the nesting limit, and the values it reads.
/// </summary>
public class Float64PairsTests
{
    private static readonly double[] s_values = [0.5, -0.25, double.MaxValue, double.Epsilon, double.NaN, -0.0, 1e300, 3];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transcode_MixedArray_RoundTripsExactly_WholeOrOneBytePerSegment(bool oneBytePerSegment)
    {
        // [[0.5, -0.25], [1, 2.0], [max, eps], [NaN, -0.0], "x", [1e300, 3.0], [1.5f, 2.0]]
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(7);
        Float64Pairs.Write(ref writer, s_values.AsSpan(0, 2));
        writer.WriteArrayHeader(2);
        writer.Write(1);
        writer.Write(2.0);
        Float64Pairs.Write(ref writer, s_values.AsSpan(2, 4));
        writer.Write("x");
        Float64Pairs.Write(ref writer, s_values.AsSpan(6, 2));
        writer.WriteArrayHeader(2);
        writer.Write(1.5f);
        writer.Write(2.0);
        writer.Flush();
        byte[] encoded = output.WrittenSpan.ToArray();
        var input = oneBytePerSegment ? MessagePackFixtureTests.OneBytePerSegment(encoded) : new ReadOnlySequence<byte>(encoded);

        var reader = new MessagePackReader(input);
        var copy = new ArrayBufferWriter<byte>();
        var copier = new MessagePackWriter(copy);
        MessagePackTranscoder.Transcode(ref reader, ref copier, 16);
        copier.Flush();

        Assert.True(reader.End);
        Assert.Equal(encoded, copy.WrittenSpan.ToArray());
    }

    [Fact]
    public void Read_ReadsTheValues_AndStopsAtAnotherShape()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        Float64Pairs.Write(ref writer, s_values.AsSpan(0, 4));
        writer.WriteArrayHeader(2);
        writer.Write(2.0);
        writer.Write(1.5f); // the second value a float 32: not the bulk shape
        Float64Pairs.Write(ref writer, s_values.AsSpan(4, 4)); // more pairs after it, so the span is long enough to misread
        writer.Flush();

        var reader = new MessagePackReader(new ReadOnlySequence<byte>(output.WrittenSpan.ToArray()));
        double[] values = new double[8];
        Assert.Equal(2, Float64Pairs.Read(ref reader, values));
        Assert.Equal(s_values[..4], values[..4]);
        Assert.Equal(0, Float64Pairs.Read(ref reader, values));
        Assert.Equal(2, reader.ReadArrayHeader());
        Assert.Equal(2.0, reader.ReadDouble());
        Assert.Equal(1.5, reader.ReadDouble());
        Assert.Equal(2, Float64Pairs.Read(ref reader, values));
        Assert.True(reader.End);
    }

    [Fact]
    public void Transcode_PairsAtTheNestingLimit_AreRefused_AsTheTokenPathRefusesThem()
    {
        // 16 arrays of one element, then [1.0, 2.0]: 17 arrays deep.
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        for (int i = 0; i < 16; i++)
        {
            writer.WriteArrayHeader(1);
        }
        Float64Pairs.Write(ref writer, [1.0, 2.0]);
        writer.Flush();

        Assert.Throws<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(output.WrittenMemory);
            var copier = new MessagePackWriter(new ArrayBufferWriter<byte>());
            MessagePackTranscoder.Transcode(ref reader, ref copier, 16);
        });
        var within = new MessagePackReader(output.WrittenMemory);
        var copy = new MessagePackWriter(new ArrayBufferWriter<byte>());
        MessagePackTranscoder.Transcode(ref within, ref copy, 17);
        Assert.True(within.End);
    }

    [Fact]
    public void Write_OddNumberOfValues_Throws() =>
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new MessagePackWriter(new ArrayBufferWriter<byte>());
            Float64Pairs.Write(ref writer, [1.0, 2.0, 3.0]);
        });
}
