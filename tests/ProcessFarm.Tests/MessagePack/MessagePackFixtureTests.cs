using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MessagePack;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

/// <summary>
/// The public msgpack-test-suite (TestData/msgpack-test-suite, MIT) as a differential test between MessagePack-CSharp
/// (the pinned library) and what this project keeps by hand on top of it: the library decodes every accepted encoding
/// of every case to its value, also fed one byte per segment, and encodes the value in a shortest form the suite
/// accepts; the strict string reader agrees with the library's on every string; the transcoder turns every encoding
/// into an accepted shortest one; the bulk float pair path reads exactly what the library reads or declines.
/// </summary>
public partial class MessagePackFixtureTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var group in LoadSuite().RootElement.EnumerateObject())
        {
            for (int i = 0; i < group.Value.GetArrayLength(); i++)
            {
                data.Add(group.Name, i);
            }
        }
        return data;
    }

    [Fact]
    public void Suite_IsComplete() => Assert.Equal(85, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryEncoding_DecodesToTheValue(string group, int index)
    {
        var testCase = GetCase(group, index);
        foreach (var hex in testCase.GetProperty("msgpack").EnumerateArray())
        {
            byte[] bytes = ParseHex(hex.GetString()!);
            AssertDecodes(testCase, new ReadOnlySequence<byte>(bytes), hex.GetString()!);
            AssertDecodes(testCase, OneBytePerSegment(bytes), hex.GetString()! + " (one byte per segment)");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_IsTheShortestForm(string group, int index)
    {
        var testCase = GetCase(group, index);
        var accepted = testCase.GetProperty("msgpack").EnumerateArray().Select(e => e.GetString()!).ToList();

        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        Write(ref writer, testCase);
        writer.Flush();
        string produced = string.Join('-', output.WrittenSpan.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

        Assert.Contains(produced, accepted);
        Assert.Equal(ParseHex(accepted[0]).Length, output.WrittenCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Transcode_OfEveryEncoding_GivesAShortestAcceptedEncoding(string group, int index)
    {
        var accepted = GetCase(group, index).GetProperty("msgpack").EnumerateArray().Select(e => e.GetString()!).ToList();
        foreach (string hex in accepted)
        {
            var reader = new MessagePackReader(OneBytePerSegment(ParseHex(hex)));
            var output = new ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(output);
            MessagePackTranscoder.Transcode(ref reader, ref writer, ProtocolDepth);
            writer.Flush();

            string produced = string.Join('-', output.WrittenSpan.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            Assert.True(reader.End, hex);
            // A float stays a float (float 32 or 64 as it came); everything else takes its shortest form.
            Assert.Contains(produced, accepted);
            if (new MessagePackReader(ParseHex(hex)).NextMessagePackType != MessagePackType.Float)
            {
                Assert.Equal(ParseHex(accepted[0]).Length, output.WrittenCount);
            }
        }
    }

    /// <summary>
    /// The hand-kept bulk path against the library: <c>[value, value]</c> for every encoding of every case is read
    /// by <see cref="Float64Pairs.Read"/> exactly when it is two float 64, to the doubles the library reads, and is
    /// declined (the reader left where it was) for everything else; fed one byte per segment it always declines.
    /// <see cref="Float64Pairs.Skip"/> takes exactly what Read takes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Float64Pairs_AgreeWithTheLibrary_OnEveryEncoding(string group, int index)
    {
        foreach (var hex in GetCase(group, index).GetProperty("msgpack").EnumerateArray().Select(e => e.GetString()!))
        {
            byte[] item = ParseHex(hex);
            byte[] pair = [0x92, .. item, .. item];
            foreach (var input in new[] { new ReadOnlySequence<byte>(pair), OneBytePerSegment(pair) })
            {
                var library = new MessagePackReader(input);
                Assert.Equal(2, library.ReadArrayHeader());
                bool isFloat64 = item[0] == MessagePackCode.Float64;
                double a = isFloat64 ? library.ReadDouble() : 0, b = isFloat64 ? library.ReadDouble() : 0;

                var fast = new MessagePackReader(input);
                double[] values = new double[2];
                int read = Float64Pairs.Read(ref fast, values);
                var skipper = new MessagePackReader(input);
                Assert.Equal(read, Float64Pairs.Skip(ref skipper, 1));
                Assert.Equal(fast.Consumed, skipper.Consumed);

                if (isFloat64 && input.IsSingleSegment)
                {
                    Assert.Equal(1, read);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(a), BitConverter.DoubleToInt64Bits(values[0]));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(b), BitConverter.DoubleToInt64Bits(values[1]));
                    Assert.True(fast.End, hex);
                }
                else
                {
                    Assert.Equal(0, read);
                    Assert.Equal(0, fast.Consumed);
                }
            }
        }
    }

    /// <summary>The bulk writer writes exactly the library's bytes for every number of the suite, as pairs.</summary>
    [Fact]
    public void Float64PairsWrite_WritesWhatTheLibraryWrites_ForEveryNumber()
    {
        var numbers = Cases().Select(c => ValueOf(GetCase((string)c[0], (int)c[1])))
            .Where(v => v.Kind == "number").Select(v => v.Value.GetDouble()).ToArray();
        Assert.True(numbers.Length > 20);
        double[] values = [.. numbers, .. numbers.Select(n => -n), double.NaN, double.NegativeInfinity];

        var library = new ArrayBufferWriter<byte>();
        var tokens = new MessagePackWriter(library);
        for (int i = 0; i < values.Length; i += 2)
        {
            tokens.WriteArrayHeader(2);
            tokens.Write(values[i]);
            tokens.Write(values[i + 1]);
        }
        tokens.Flush();

        var bulk = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(bulk);
        Float64Pairs.Write(ref writer, values);
        writer.Flush();

        Assert.Equal(library.WrittenSpan.ToArray(), bulk.WrittenSpan.ToArray());
    }

    private const int ProtocolDepth = 16;

    private static JsonElement GetCase(string group, int index) => LoadSuite().RootElement.GetProperty(group)[index];

    private static JsonDocument? s_suite;

    private static JsonDocument LoadSuite() =>
        s_suite ??= JsonDocument.Parse(File.ReadAllText(TestHelpers.TestDataPath("msgpack-test-suite", "msgpack-test-suite.json")));
}
