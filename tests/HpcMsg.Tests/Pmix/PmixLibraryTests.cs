using HpcMsg.Bootstrap.Pmix;

namespace HpcMsg.Tests.Pmix;

/// <summary>Which libpmix the library loads, and the message when none loads.</summary>
public class PmixLibraryTests
{
    [Fact]
    public void TheDefaultsAreTheSonameThenTheDevelopmentLink() =>
        Assert.Equal(["libpmix.so.2", "libpmix.so"], PmixLibrary.Candidates(_ => null));

    [Fact]
    public void TheParameterReplacesTheDefaults() =>
        Assert.Equal(["/opt/pmix/lib/libpmix.so"], PmixLibrary.Candidates(n => n == "HPCMSG_PMIX_LIBRARY" ? "/opt/pmix/lib/libpmix.so" : null));

    [Fact]
    public void NoneLoadingNamesEveryNameTriedAndTheFix()
    {
        string m = Assert.Throws<HpcMsgException>(() => PmixLibrary.Load(["/nonexistent/libpmix.so.2", "libpmix-hpcmsg-absent.so"])).Message;
        Assert.Contains("/nonexistent/libpmix.so.2", m);
        Assert.Contains("libpmix-hpcmsg-absent.so", m);
        Assert.Contains("libpmix2", m);
        Assert.Contains("HPCMSG_PMIX_LIBRARY", m);
    }

    [Fact]
    public void ALibraryWithoutPmixFunctionsIsRefusedNamingTheMissingOne()
    {
        // libc loads everywhere this runs, and has no PMIx_Init.
        string m = Assert.Throws<HpcMsgException>(() => PmixLibrary.Load(["libc.so.6"])).Message;
        Assert.Contains("libc.so.6", m);
        Assert.Contains("PMIx_Init", m);
    }
}
