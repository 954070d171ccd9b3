using System.Buffers;
using MessagePack;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

/// <summary>
/// Each gap <see cref="MessagePackReading"/> fills: first what the library does with the input (so the test shows the
/// gap is real in the pinned version), then that the project's reading refuses or reads it exactly.
/// </summary>
public class MessagePackReadingTests
{
    [Theory]
    [InlineData(new byte[] { 0xdd, 0x80, 0x00, 0x00, 0x00, 1, 2, 3 })] // array 32 of 2^31 elements, then three bytes
    [InlineData(new byte[] { 0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2 })] // map 32 of 2^32 - 1 entries
    public void Counts_BeyondTheBytesLeft_TheLibraryRefuses_AsADecodingFailure(byte[] data)
    {
        var thrown = Record.Exception(() =>
        {
            var reader = new MessagePackReader(data);
            _ = reader.NextMessagePackType == MessagePackType.Array ? reader.ReadArrayHeader() : reader.ReadMapHeader();
        });
        Assert.True(thrown is not null && MessagePackReading.IsDecodingFailure(thrown), thrown?.ToString());
    }

    [Fact]
    public void Skip_OfANegativeCount_TheLibrarySkipsTooLittle_WeRefuse()
    {
        byte[] data = [0xdd, 0x80, 0x00, 0x00, 0x00, 0x01, 0x02];

        var library = new MessagePackReader(data);
        library.Skip();
        Assert.Equal(5, library.Consumed); // took the header for the whole value and left the elements

        var thrown = Record.Exception(() =>
        {
            var reader = new MessagePackReader(data);
            MessagePackReading.SkipValue(ref reader, 16);
        });
        Assert.True(thrown is not null && MessagePackReading.IsDecodingFailure(thrown), thrown?.ToString());
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    [InlineData(100_000, false)]
    public void Skip_NestingIsLimited_TheLibraryHasNoLimit(int depth, bool accepted)
    {
        byte[] nested = [.. Enumerable.Repeat((byte)0x91, depth), 0xc0]; // [[[...[nil]...]]]

        var library = new MessagePackReader(nested);
        library.Skip();
        Assert.True(library.End);

        var reader = new MessagePackReader(nested);
        if (accepted)
        {
            MessagePackReading.SkipValue(ref reader, 16);
            Assert.True(reader.End);
        }
        else
        {
            var error = Assert.Throws<MessagePackSerializationException>(() =>
            {
                var r = new MessagePackReader(nested);
                MessagePackReading.SkipValue(ref r, 16);
            });
            Assert.Contains("deeper", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Skip_MapsCountTwoValuesPerEntry_AndNestInsideArrays()
    {
        // {"a": [1, {"b": [[2]]}]}: depth 5 (map, array, map, array, array).
        byte[] data = [0x81, 0xa1, (byte)'a', 0x92, 0x01, 0x81, 0xa1, (byte)'b', 0x91, 0x91, 0x02];
        var reader = new MessagePackReader(data);
        MessagePackReading.SkipValue(ref reader, 5);
        Assert.True(reader.End);
        Assert.Throws<MessagePackSerializationException>(() =>
        {
            var r = new MessagePackReader(data);
            MessagePackReading.SkipValue(ref r, 4);
        });
    }

    [Fact]
    public void String_InvalidUtf8_TheLibraryReplacesIt_WeRefuse()
    {
        byte[] data = [0xa2, 0xc3, 0x28]; // a lead byte followed by '('

        Assert.Equal("\uFFFD(", ReadWithTheLibrary(data));
        var error = Assert.Throws<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(data);
            MessagePackReading.ReadStrictString(ref reader);
        });
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_ValidUtf8AcrossSegments_ReadsTheSame()
    {
        byte[] data = [0xa6, 0xe2, 0x82, 0xac, 0xc3, 0xa9, (byte)'x']; // "€éx"
        var reader = new MessagePackReader(MessagePackFixtureTests.OneBytePerSegment(data));
        Assert.Equal("€éx", MessagePackReading.ReadStrictString(ref reader));
    }

    [Theory]
    [InlineData(new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "18446744073709551615")]
    [InlineData(new byte[] { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 }, "-9223372036854775808")]
    [InlineData(new byte[] { 0xff }, "-1")]
    [InlineData(new byte[] { 0xcc, 0xff }, "255")]
    public void Integer_AnyWidthAndSign_IsReadExactly_WhereTheLibraryOverflows(byte[] data, string expected)
    {
        var reader = new MessagePackReader(data);
        Assert.Equal(Int128.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), MessagePackReading.ReadInteger(ref reader));
        Assert.True(reader.End);
    }

    [Fact]
    public void Integer_TheLibrarysFixedWidthReads_Overflow()
    {
        Assert.Throws<OverflowException>(() => new MessagePackReader(new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }).ReadInt64());
        Assert.Throws<OverflowException>(() => new MessagePackReader(new byte[] { 0xff }).ReadUInt64());
    }

    [Theory]
    [InlineData(new byte[] { 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 })] // 1.0
    [InlineData(new byte[] { 0xa1, (byte)'1' })] // "1"
    [InlineData(new byte[] { 0xc0 })] // nil
    [InlineData(new byte[] { 0xc3 })] // true
    public void Integer_OfAnotherType_IsRefused(byte[] data) =>
        Assert.Throws<MessagePackSerializationException>(() =>
        {
            var reader = new MessagePackReader(data);
            MessagePackReading.ReadInteger(ref reader);
        });

    /// <summary>Everything the library throws on hostile input is recognised, whatever its type.</summary>
    [Theory]
    [InlineData(new byte[] { 0xc4, 0x05, 1, 2 })] // bin 8 declares 5 bytes, has 2
    [InlineData(new byte[] { 0xc6, 0x80, 0, 0, 0, 1 })] // bin 32 declares 2^31 bytes: a negative length in the library
    [InlineData(new byte[] { 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61 })] // str 32 declares 4 GiB
    [InlineData(new byte[] { 0xc1 })] // the never-used byte
    [InlineData(new byte[] { 0xcb, 0, 0 })] // a float 64 cut short
    [InlineData(new byte[] { 0x92, 0x01 })] // an array missing its second element
    [InlineData(new byte[] { 0xc7, 0xff, 0x01 })] // ext 8 declares 255 bytes
    public void HostileInput_EveryFailureIsADecodingFailure(byte[] data)
    {
        var thrown = Record.Exception(() =>
        {
            var reader = new MessagePackReader(data);
            MessagePackReading.SkipValue(ref reader, 16);
            var transcoder = new MessagePackReader(data);
            var writer = new MessagePackWriter(new ArrayBufferWriter<byte>());
            MessagePackTranscoder.Transcode(ref transcoder, ref writer, 16);
        });
        Assert.NotNull(thrown);
        Assert.True(MessagePackReading.IsDecodingFailure(thrown), thrown.GetType().Name + ": " + thrown.Message);
    }

    private static string? ReadWithTheLibrary(byte[] data) => new MessagePackReader(data).ReadString();
}
