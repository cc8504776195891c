using System.Text;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Tests.Pmi;

/// <summary>The framing both PMI clients share: PMI-2's 6-character length, PMI-1's lines, the hex
/// encoding of values, and the limits the servers impose.</summary>
public class PmiWireTests
{
    [Fact]
    public void Pmi2FrameIsTheLengthPaddedToSixCharactersThenTheBody()
    {
        var stream = new MemoryStream();
        PmiWire.WriteFrame(stream, "cmd=kvs-fence;");
        Assert.Equal("14    cmd=kvs-fence;", Encoding.ASCII.GetString(stream.ToArray()));
        stream.Position = 0;
        Assert.Equal("cmd=kvs-fence;", PmiWire.ReadFrame(stream, "test"));
    }

    [Fact]
    public void ALongValueRoundTripsThroughAFrame()
    {
        string value = new('A', Pmi2Client.ValueMax);
        var stream = new MemoryStream();
        PmiWire.WriteFrame(stream, $"cmd=kvs-put;key=k;value={value};");
        stream.Position = 0;
        Assert.Equal(value, PmiWire.Fields(PmiWire.ReadFrame(stream, "test"), ';')["value"]);
    }

    [Fact]
    public void AMalformedLengthIsAnErrorNamingIt()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("cmd=re"));
        var e = Assert.Throws<HpcMsgException>(() => PmiWire.ReadFrame(stream, "the reply"));
        Assert.Contains("malformed length 'cmd=re'", e.Message);
    }

    [Fact]
    public void AStreamThatEndsMidFrameIsAnErrorNotAHang()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("20    cmd=kvs"));
        var e = Assert.Throws<HpcMsgException>(() => PmiWire.ReadFrame(stream, "the reply to kvs-get"));
        Assert.Contains("closed the connection while this rank waited for the reply to kvs-get", e.Message);
    }

    [Fact]
    public void ALineIsReadUpToItsNewlineOnly()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("cmd=barrier_out rc=0\n14    cmd=x"));
        Assert.Equal("cmd=barrier_out rc=0", PmiWire.ReadLine(stream, "test"));
        Assert.Equal('1', (char)stream.ReadByte());
    }

    [Fact]
    public void HexEncodingCarriesSeparatorsAndNonAscii()
    {
        const string text = "10.0.0.1:5000;key=v é\n";
        string hex = PmiWire.Encode(text);
        Assert.Matches("^[0-9A-F]+$", hex);
        Assert.Equal(text, PmiWire.Decode(hex, "k"));
        Assert.Contains("not hex", Assert.Throws<HpcMsgException>(() => PmiWire.Decode("xyz", "k")).Message);
    }

    [Theory]
    [InlineData(65, 10, "has 65 characters; the server allows 1 to 64")]
    [InlineData(10, 1025, "has 1025 characters; the server allows at most 1024")]
    public void KeysAndValuesOverTheLimitsAreRefusedNamingTheLimit(int keyLength, int valueLength, string expected)
    {
        var e = Assert.Throws<HpcMsgException>(() => PmiWire.CheckKeyValue(new string('k', keyLength), new string('v', valueLength), 64, 1024));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("a;b")]
    [InlineData("a b")]
    [InlineData("a=b")]
    public void SeparatorsInAValueAreRefused(string value)
    {
        var e = Assert.Throws<HpcMsgException>(() => PmiWire.CheckKeyValue("key", value, 64, 1024));
        Assert.Contains("cannot carry", e.Message);
    }

    [Fact]
    public void AnErrorReplyNamesTheRequestTheRcAndTheServersMessage()
    {
        var e = Assert.Throws<HpcMsgException>(() => PmiWire.Expect("cmd=kvs-put-response;rc=3;errmsg=too long;", ';', "kvs-put-response", "PMI-2 kvs-put of x"));
        Assert.Contains("PMI-2 kvs-put of x failed with rc=3: too long", e.Message);
    }
}
