"""The web portal: server-rendered pages on the gateway's HTTP server.

The JSON API stays the contract. A page calls the same RPCs the API routes call, with the
signed-in person's token, and shows the result; it holds no rules of its own (the owning
service authorises and validates every action).

Layout
    portal/entrypoint.py   ``@page`` (session, CSRF, locale, role check, HTML errors),
                           ``render``, ``redirect``, ``error_page``
    portal/session.py      cookies and CSRF tokens
    portal/i18n.py         locales, Babel catalogues, jinja2 environments, ``N_``
    portal/forms.py        ``form_values`` and ``Form`` (values + field errors for a template)
    portal/nav.py          the navigation per role (``soon=True`` = a place kept for later)
    portal/<area>.py       one mixin class of pages per area (auth, enterprise, organiser,
                           judge, inbox, assets), added to ``GatewayService``'s bases
    templates/portal/      ``base.html`` layout, ``_forms.html`` macros, one folder per area
    translations/<locale>/LC_MESSAGES/messages.po   (``make messages`` updates them)

A page, the pattern to follow::

    class CampaignPages:                           # portal/campaigns.py
        campaigns = RpcProxy("campaigns")          # the owning service

        @page("GET", "/organiser/campaigns", roles=("organiser",))
        def campaign_list(self, request):
            query = {k: request.args.get(k) for k in ("page", "status")}
            result = self.campaigns.list_campaigns(query)       # the session's token rides along
            return render(request, "portal/organiser/campaigns.html", result=result)

        @page("POST", "/organiser/campaigns", roles=("organiser",))  # CSRF checked before this runs
        def campaign_create(self, request):
            values = form_values(request)
            try:
                created = self.campaigns.create_campaign(values)
            except (ValidationFailed, Conflict) as error:            # field errors next to fields
                return render(request, "portal/organiser/campaign_new.html",
                              status=error.http_status, form=Form(values, error))
            return redirect(f"/organiser/campaigns/{created['id']}")   # POST → redirect → GET

Then: add the mixin to ``GatewayService`` (services/gateway/service.py), give the nav entry
its path (nav.py), write the template extending ``portal/base.html`` with ``{% trans %}`` /
``_()`` for every label, run ``make messages`` and translate the new ``msgstr`` in
``translations/zh_CN/LC_MESSAGES/messages.po`` (a unit test fails while any is missing).
Domain errors a page does not catch become HTML error pages; 401 sends the person to /login.
"""
