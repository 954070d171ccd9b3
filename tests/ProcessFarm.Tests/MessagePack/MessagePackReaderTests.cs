using System.Buffers;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

public class MessagePackReaderTests
{
    [Theory]
    [InlineData(new byte[] { 0xc4, 0x05, 1, 2 })] // bin 8 declares 5, has 2
    [InlineData(new byte[] { 0xc6, 0x7f, 0xff, 0xff, 0xff })] // bin 32 declares 2 GiB
    public void ReadBytes_DeclaredLengthBeyondData_Throws(byte[] data) =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(data).ReadBytes());

    [Fact]
    public void ReadString_DeclaredLengthBeyondData_Throws() =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61 }).ReadString());

    [Fact]
    public void ReadArrayHeader_CountBeyondRemainingBytes_ThrowsWithoutAllocating()
    {
        // array 32 of 4 billion elements, followed by three bytes.
        var error = Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 }).ReadArrayHeader());
        Assert.Contains("declares", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadMapHeader_CountBeyondRemainingBytes_Throws() =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0x83, 1, 2, 3, 4 }).ReadMapHeader());

    [Fact]
    public void Skip_NestingBeyondLimit_Throws()
    {
        byte[] deep = Enumerable.Repeat((byte)0x91, 100).Append((byte)0xc0).ToArray();
        var error = Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(deep) { MaxDepth = 16 }.Skip());
        Assert.Contains("deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_NestingWithinLimit_Succeeds()
    {
        byte[] nested = Enumerable.Repeat((byte)0x91, 10).Append((byte)0xc0).ToArray();
        var reader = new MessagePackReader(nested) { MaxDepth = 16 };
        reader.Skip();
        Assert.True(reader.End);
    }

    [Fact]
    public void ReadInt64_WrongType_NamesWhatItFound()
    {
        var error = Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xa1, 0x61 }).ReadInt64());
        Assert.Contains("0xa1", error.Message, StringComparison.Ordinal);
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadInt64_UInt64AboveLongMax_Throws() =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }).ReadInt64());

    [Fact]
    public void ReadUInt64_Negative_Throws() =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xff }).ReadUInt64());

    [Fact]
    public void ReadString_InvalidUtf8_Throws() =>
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(new byte[] { 0xa2, 0xc3, 0x28 }).ReadString());

    [Fact]
    public void ReadTimestamp_NanosecondsOutOfRange_Throws()
    {
        // timestamp 64 with nanoseconds = 2^30 - 1 > 999,999,999.
        byte[] data = [0xd7, 0xff, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0];
        Assert.Throws<MessagePackSerializationException>(() => new MessagePackReader(data).ReadTimestamp());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Bin_RoundTrips_AcrossSegments_WithoutCopy(int length)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteBin(payload);
        writer.Write(42);
        writer.Flush();

        var reader = new MessagePackReader(MessagePackFixtureTests.OneBytePerSegment(output.WrittenSpan.ToArray()));
        var bytes = reader.ReadBytes()!.Value;

        Assert.Equal(payload, bytes.ToArray());
        Assert.Equal(42, reader.ReadInt32());
        Assert.True(reader.End);
    }

    [Fact]
    public void Writer_LargeRawWrites_SpanManyBuffers()
    {
        byte[] payload = new byte[3 << 20];
        new Random(3).NextBytes(payload);
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteBin(payload);
        writer.Flush();

        var reader = new MessagePackReader(output.WrittenMemory);
        Assert.Equal(payload, reader.ReadBytes()!.Value.ToArray());
    }
}
