/* Shared editor code of node-red-contrib-camhub: the account select and the camera picker. */
(function () {
  'use strict';
  if (window.CamhubEditor) return;
  var NS = 'node-red-contrib-camhub/camhub-event:';
  var ACCOUNT_TYPES = ['camhub-reolink', 'camhub-arlo', 'camhub-blink', 'camhub-netatmo'];
  var VENDOR_LABELS = {
    'camhub-reolink': 'Reolink',
    'camhub-arlo': 'Arlo',
    'camhub-blink': 'Blink',
    'camhub-netatmo': 'Netatmo',
  };

  function _(key, params) {
    return RED._(NS + key, params);
  }

  /** "Home (Blink)"; a name that already says its cloud stays as it is, with no second "()". */
  function accountLabel(n) {
    var vendor = VENDOR_LABELS[n.type] || n.type;
    var name = n.name || n.baseUrl || n.id;
    if (String(name).toLowerCase().indexOf(vendor.toLowerCase()) !== -1) return name;
    return /\)\s*$/.test(name) ? name + ' \u2013 ' + vendor : name + ' (' + vendor + ')';
  }

  var ADD_PREFIX = '_ADD_camhub:';

  // The runtime answers the dialogs in the editor's language, which the browser's own
  // Accept-Language need not be (View > Language).
  $.ajaxPrefilter(function (options, _original, xhr) {
    if (/^camhub\//.test(options.url || '') && RED.i18n && RED.i18n.lang) {
      xhr.setRequestHeader('Accept-Language', RED.i18n.lang());
    }
  });

  // Colours come from the editor theme's variables, so the dark theme (Node-RED 5) restyles
  // them; the second value is for releases without the variables.
  $('<style>')
    .text(
      '.camhub-online{color:var(--red-ui-text-color-success,#5a8)}' +
        '.camhub-offline{color:var(--red-ui-text-color-error,#c44)}' +
        '.camhub-copy{display:inline-block;width:70%;vertical-align:top}' +
        '.camhub-copy-text{display:block;white-space:normal;word-break:break-all;' +
        'overflow-wrap:anywhere;font-family:monospace;user-select:all}' +
        '.camhub-copy-buttons{margin-top:4px;display:flex;gap:4px}',
    )
    .appendTo('head');

  /**
   * Fills the account select with every camhub account of every cloud, then "add new ..."
   * choices, one per cloud. Picks the only account when there is one.
   */
  function fillAccounts($select, selected) {
    $select.empty();
    var found = [];
    RED.nodes.eachConfig(function (n) {
      if (ACCOUNT_TYPES.indexOf(n.type) !== -1) found.push(n);
    });
    if (found.length === 0) {
      $('<option value="">').text(_('common.label.noAccount')).appendTo($select);
    }
    found.forEach(function (n) {
      $('<option>').val(n.id).text(accountLabel(n)).appendTo($select);
    });
    ACCOUNT_TYPES.forEach(function (type) {
      $('<option>')
        .val(ADD_PREFIX + type)
        .text(_('common.label.addAccount', { vendor: VENDOR_LABELS[type] }))
        .appendTo($select);
    });
    var known = found.some(function (n) {
      return n.id === selected;
    });
    $select.val(known ? selected : found.length >= 1 ? found[0].id : '');
  }

  /**
   * The account row. The property is declared with a config type so Node-RED counts the node
   * as a user of its account, carries the account along on export and remaps it on import;
   * Node-RED's own select offers one type only, so its options and buttons are taken over here
   * to offer every cloud's accounts and open each in its own dialog.
   */
  function accountSelect(node) {
    var $select = $('#node-input-account');
    var current = node.account;
    fillAccounts($select, current);
    current = $select.val();
    var $buttons = $select.parent().find('a.red-ui-button, button.red-ui-button');
    $buttons.each(function () {
      var $b = $(this);
      $b.off('click');
      if (/-add$/.test(this.id || '')) {
        $b.hide(); // the select's own "add new ..." choices replace it
        return;
      }
      $b.on('click', function (e) {
        e.preventDefault();
        var id = $select.val();
        var account = id && RED.nodes.node(id);
        if (account) RED.editor.editConfig('account', account.type, id, 'node-input', node);
      });
    });
    $select.on('change', function () {
      var v = $select.val() || '';
      if (v.indexOf(ADD_PREFIX) !== 0) {
        current = v;
        return;
      }
      $select.val(current);
      RED.editor.editConfig('account', v.slice(ADD_PREFIX.length), '_ADD_', 'node-input', node);
    });
    // Node-RED refills the select with one type after a new account is added: refill it all.
    var onAdd = function (n) {
      if (ACCOUNT_TYPES.indexOf(n.type) === -1) return;
      setTimeout(function () {
        fillAccounts($select, n.id);
        current = $select.val();
        $select.trigger('change');
      }, 0);
    };
    RED.events.on('nodes:add', onAdd);
    // When its config dialog closes, Node-RED fills the select again with the declared type's
    // accounts only; put every cloud's accounts back, keeping the choice it made.
    var observer = new MutationObserver(function () {
      var ours = $select.find('option').filter(function () {
        return String(this.value).indexOf(ADD_PREFIX) === 0;
      });
      if (ours.length) return;
      fillAccounts($select, $select.val() || current);
      current = $select.val();
      $select.trigger('change');
    });
    observer.observe($select[0], { childList: true });
    closeDialog();
    stopWatching = function () {
      RED.events.off('nodes:add', onAdd);
      observer.disconnect();
    };
  }

  var stopWatching = null;

  /** Called from oneditsave and oneditcancel: the dialog's listeners end with it. */
  function closeDialog() {
    if (stopWatching) stopWatching();
    stopWatching = null;
  }

  /**
   * Cameras of an account: from the deployed account, else by discovery with the values
   * typed in its dialog (secrets left blank are taken from the stored credentials).
   */
  var listing = {};
  function listCameras(accountId) {
    // The camera picker and the quality row ask at once: one request (one login) for both.
    if (listing[accountId]) return listing[accountId];
    var promise = readCameras(accountId);
    listing[accountId] = promise;
    promise.always(function () {
      delete listing[accountId];
    });
    return promise;
  }

  function readCameras(accountId) {
    var d = $.Deferred();
    var account = RED.nodes.node(accountId);
    if (!account) return d.reject({ message: _('common.label.noAccount') }).promise();
    var discover = function () {
      $.ajax({
        url: 'camhub/discover',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({
          type: account.type,
          id: account.id,
          baseUrl: account.baseUrl,
          credentials: account.credentials || {},
        }),
      })
        .done(function (r) {
          d.resolve(r.data || []);
        })
        .fail(function (xhr) {
          d.reject(xhr.responseJSON || { message: xhr.statusText });
        });
    };
    if (account.changed || account._def === undefined) {
      discover();
    } else {
      $.getJSON('camhub/accounts/' + encodeURIComponent(accountId) + '/cameras')
        .done(function (r) {
          d.resolve(r.data || []);
        })
        .fail(function (xhr) {
          if (xhr.status === 404) discover();
          else d.reject(xhr.responseJSON || { message: xhr.statusText });
        });
    }
    return d.promise();
  }

  /**
   * Turns a <select> into the camera picker. `allLabel` is the text of the empty choice
   * ("set by msg.camera" or "all cameras"); `usable(cam)` greys out cameras that cannot.
   */
  function cameraPicker(opts) {
    var $select = opts.select;
    var $account = opts.account;
    var current = opts.value || '';
    // An empty form-tips box still shows as a coloured bar, so the hint hides when blank.
    function hint(text) {
      if (opts.hint) opts.hint.text(text).toggle(!!text);
    }
    function load() {
      var accountId = $account.val();
      hint('');
      $select.empty();
      $('<option value="">').text(opts.allLabel).appendTo($select);
      if (current) $('<option>').val(current).text(current).appendTo($select);
      $select.val(current);
      if (!accountId) return;
      hint(_('common.label.loading'));
      listCameras(accountId)
        .done(function (cams) {
          $select.find('option').not('[value=""]').remove();
          var seen = false;
          cams.forEach(function (c) {
            var ok = !opts.usable || opts.usable(c);
            var text =
              c.name + ' (' + c.model + ')' + (c.online ? '' : ' - ' + _('common.label.offline'));
            if (!ok && opts.unusableText) text += ' - ' + opts.unusableText;
            $('<option>').val(c.id).text(text).prop('disabled', !ok).appendTo($select);
            if (c.id === current) seen = true;
          });
          if (current && !seen) $('<option>').val(current).text(current).appendTo($select);
          $select.val(current);
          hint('');
        })
        .fail(function (err) {
          hint(_('common.label.loadFailed') + ': ' + (err && err.message ? err.message : ''));
        });
    }
    $select.on('change', function () {
      current = $select.val() || '';
    });
    $account.on('change', load);
    if (opts.refresh)
      opts.refresh.on('click', function (e) {
        e.preventDefault();
        load();
      });
    load();
  }

  /**
   * Offers only the qualities the chosen camera (else any camera of the account) has, and hides
   * the row where there is no choice. `accountTypes` names the clouds that honour a quality for
   * this node at all (Netatmo's snapshot, for one, has a single picture).
   */
  function qualityFilter(node, accountTypes) {
    var $select = $('#node-input-quality');
    var $all = $select.find('option').detach();
    var wanted = node.quality || 'main';
    var cams = [];
    function apply() {
      var account = RED.nodes.node($('#node-input-account').val());
      var id = $('#node-input-camera').val();
      var allowed = [];
      var honours = !!account && (!accountTypes || accountTypes.indexOf(account.type) !== -1);
      if (honours) {
        cams.forEach(function (c) {
          if (id && c.id !== id) return;
          ((c.capabilities && c.capabilities.streamQualities) || []).forEach(function (q) {
            if (allowed.indexOf(q) === -1) allowed.push(q);
          });
        });
      }
      // Until the cameras are read, every choice stays, so nothing is lost.
      if (!cams.length && honours) allowed = ['main', 'sub', 'extern'];
      $select.empty();
      $all.each(function () {
        if (allowed.indexOf($(this).attr('value')) !== -1) $select.append($(this).clone());
      });
      $select.val(allowed.indexOf(wanted) !== -1 ? wanted : allowed[0] || 'main');
      if (!$select.val()) $select.append($all.filter('[value="main"]').clone()).val('main');
      $select.closest('.form-row').toggle(allowed.length > 1);
    }
    function load() {
      cams = [];
      apply();
      var id = $('#node-input-account').val();
      if (!id) return;
      listCameras(id).done(function (list) {
        cams = list;
        apply();
      });
    }
    $select.on('change', function () {
      wanted = $select.val() || wanted;
    });
    $('#node-input-account').on('change', load);
    $('#node-input-camera').on('change', apply);
    load();
  }

  /** Renders the cameras a discovery found: online dot, name, model, id, capability icons. */
  function renderCameras($out, cams) {
    $out.empty();
    var $t = $('<table class="camhub-cameras" style="width:100%">').appendTo($out);
    cams.forEach(function (c) {
      var caps = [];
      if (c.capabilities.ptz) caps.push('<i class="fa fa-arrows" title="PTZ"></i>');
      if (c.capabilities.zoom) caps.push('<i class="fa fa-search-plus" title="zoom"></i>');
      if (c.capabilities.battery) caps.push('<i class="fa fa-battery-half" title="battery"></i>');
      var $r = $('<tr>').appendTo($t);
      $('<td>')
        .append(
          $('<i class="fa fa-circle">').addClass(c.online ? 'camhub-online' : 'camhub-offline'),
        )
        .appendTo($r);
      $('<td>').text(c.name).appendTo($r);
      $('<td>').text(c.model).appendTo($r);
      $('<td>').append($('<code>').text(c.id)).appendTo($r);
      $('<td>').html(caps.join(' ')).appendTo($r);
    });
  }

  /**
   * The Discover button of an account dialog: lists the cameras with the values typed in the
   * dialog, deployed or not. Secret fields left as they were are taken from the stored
   * credentials on the server, which only uses them with the deployed settings.
   */
  function discoverButton(node) {
    $('#node-config-camhub-discover').on('click', function (e) {
      e.preventDefault();
      var $out = $('#node-config-camhub-cameras').empty().text(_('common.label.loading'));
      var config = {};
      Object.keys(node._def.defaults || {}).forEach(function (k) {
        var $in = $('#node-config-input-' + k);
        if (k !== 'name' && $in.length && !$in.is(':checkbox')) config[k] = $in.val();
      });
      var credentials = {};
      Object.keys(node._def.credentials || {}).forEach(function (k) {
        var $in = $('#node-config-input-' + k);
        if ($in.length) credentials[k] = $in.val();
      });
      $.ajax({
        url: 'camhub/discover',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({
          type: node.type,
          id: node.id,
          baseUrl: config.baseUrl,
          config: config,
          credentials: credentials,
        }),
      })
        .done(function (r) {
          renderCameras($out, r.data || []);
        })
        .fail(function (xhr) {
          var r = xhr.responseJSON || {};
          if (r.auth && r.auth.session) authStepInPlace($out, r.auth.session, r.auth.step || {});
          else $out.empty().text(r.message || xhr.statusText);
        });
    });
  }

  /**
   * The next step of a sign-in Discover had to start (a 2FA code, a factor to pick, a push to
   * approve), right where the cameras will be listed.
   */
  function authStepInPlace($out, session, step) {
    $out.empty();
    var english = !RED.i18n || !RED.i18n.lang || /^en\b/i.test(RED.i18n.lang());
    $('<div class="form-tips">')
      .text(english && step.message ? step.message : _('common.label.signInStep'))
      .appendTo($out);
    var $row = $('<div class="camhub-discover-step" style="margin-top:6px">').appendTo($out);
    var $error = $('<div class="form-tips camhub-discover-error" style="margin-top:4px">')
      .hide()
      .appendTo($out);
    function send(input) {
      $.ajax({
        url: 'camhub/discover/' + encodeURIComponent(session) + '/auth',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify(input),
      })
        .done(function (r) {
          var d = (r && r.data) || {};
          if (d.cameras) renderCameras($out, d.cameras);
          else authStepInPlace($out, session, d.step || {});
        })
        .fail(function (xhr) {
          $error.text((xhr.responseJSON && xhr.responseJSON.message) || xhr.statusText).show();
        });
    }
    function button(label, onClick) {
      return $('<button type="button" class="red-ui-button">')
        .text(label)
        .on('click', function (e) {
          e.preventDefault();
          onClick();
        });
    }
    if (step.next === 'factor' && step.choices && step.choices.length) {
      var $factor = $('<select id="node-config-camhub-discover-factor" style="width:60%">')
        .attr('aria-label', _('common.label.factor'))
        .appendTo($row);
      step.choices.forEach(function (c) {
        $('<option>').val(c.id).text(c.label).appendTo($factor);
      });
      button(_('common.label.sendCode'), function () {
        send({ factor: $factor.val() });
      }).appendTo($row);
    } else if (step.next === 'approve') {
      button(_('common.label.approved'), function () {
        send({ poll: '1' });
      }).appendTo($row);
    } else {
      var $code = $('<input type="text" id="node-config-camhub-discover-code" style="width:30%">')
        .attr({ autocomplete: 'one-time-code', inputmode: 'numeric' })
        .attr('aria-label', _('common.label.code'))
        .attr('placeholder', _('common.label.code'))
        .appendTo($row);
      button(_('common.label.verify'), function () {
        send({ code: String($code.val() || '') });
      }).appendTo($row);
    }
  }

  /**
   * A value the user must copy elsewhere (a webhook URL, a redirect URI): shown whole, wrapped,
   * with a copy button. `opts.mask(text)` gives the text to show while hidden, and a "show"
   * button appears that calls `opts.reveal()` (a promise of the full text) once.
   * Returns set(text, masked).
   */
  function copyBox($box, opts) {
    opts = opts || {};
    $box.empty().addClass('camhub-copy');
    var $text = $('<div class="camhub-copy-text">').appendTo($box);
    var $buttons = $('<div class="camhub-copy-buttons">').appendTo($box);
    var full = '';
    var $show = $('<button type="button" class="red-ui-button red-ui-button-small">')
      .attr('aria-label', _('common.label.show'))
      .append($('<i class="fa fa-eye">'), ' ', $('<span>').text(_('common.label.show')))
      .appendTo($buttons)
      .hide();
    var $copy = $('<button type="button" class="red-ui-button red-ui-button-small">')
      .attr('aria-label', _('common.label.copy'))
      .attr('title', _('common.label.copy'))
      .append($('<i class="fa fa-clipboard">'), ' ', $('<span>').text(_('common.label.copy')))
      .appendTo($buttons);
    function set(text, masked) {
      full = text;
      $text.text(masked || text);
      $show.toggle(!!masked && !!opts.reveal);
    }
    function reveal() {
      return full && $show.is(':hidden') ? $.Deferred().resolve(full).promise() : opts.reveal();
    }
    $show.on('click', function (e) {
      e.preventDefault();
      reveal().then(function (text) {
        set(text);
      });
    });
    $copy.on('click', function (e) {
      e.preventDefault();
      reveal().then(function (text) {
        set(text);
        RED.clipboard.copyText(text, $copy, _('common.label.copied'));
      });
    });
    return set;
  }

  /**
   * The words for a sign-in step: the cloud's own English message in an English editor, else
   * the catalog's text for the step (`keys[next]`, then `keys[state]`), so a German editor
   * reads German.
   */
  function stepText(node, step, keys) {
    var english = !RED.i18n || !RED.i18n.lang || /^en\b/i.test(RED.i18n.lang());
    if (english && step.message) return step.message;
    var key = (step.next && keys[step.next]) || keys[step.state];
    return key ? node._(key) : step.message || '';
  }

  /** The account property: any camhub account (see accountSelect for why it has a type). */
  function accountProperty() {
    return {
      value: '',
      type: 'camhub-reolink',
      required: true,
      validate: function (v) {
        var n = v && RED.nodes.node(v);
        return !!n && ACCOUNT_TYPES.indexOf(n.type) !== -1;
      },
    };
  }

  /**
   * What the five functional nodes share in the editor: palette label, label, and a dialog with
   * the account and camera rows. The definition itself stays inline in each node's file, where
   * Node-RED's tooling reads it; `opts` adds a node's own rows: allLabel(), usable(camera),
   * unusableKey, prepare(), save().
   */
  function editorHooks(type, opts) {
    opts = opts || {};
    return {
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      label: function () {
        // A palette label may carry Node-RED's line break ("\\n ") after a hyphen (U+2010, which
        // Node-RED does not split on) where a long word is best split (German "Schnapp-schuss",
        // "Kamera-Ereignis"); the node on the canvas reads it whole.
        return (
          this.name ||
          this._(type + '.paletteLabel')
            .replace(/\u2010\\n (?=\p{Lu})/gu, '-')
            .replace(/\u2010\\n /g, '')
            .replace(/\u2010/g, '-')
        );
      },
      labelStyle: function () {
        return this.name ? 'node_label_italic' : '';
      },
      oneditprepare: function () {
        accountSelect(this);
        cameraPicker({
          select: $('#node-input-camera'),
          account: $('#node-input-account'),
          value: this.camera,
          allLabel: opts.allLabel ? opts.allLabel.call(this) : _('common.label.fromMsg'),
          hint: $('#node-input-camera-hint'),
          refresh: $('#node-input-camera-refresh'),
          usable: opts.usable,
          unusableText: opts.unusableKey ? this._(opts.unusableKey) : undefined,
        });
        if (opts.prepare) opts.prepare.call(this);
      },
      oneditsave: function () {
        closeDialog();
        if (opts.save) opts.save.call(this);
      },
      oneditcancel: function () {
        closeDialog();
      },
    };
  }

  window.CamhubEditor = {
    accountProperty: accountProperty,
    editorHooks: editorHooks,
    discoverButton: discoverButton,
    copyBox: copyBox,
    qualityFilter: qualityFilter,
    stepText: stepText,
    ACCOUNT_TYPES: ACCOUNT_TYPES,
    fillAccounts: fillAccounts,
    accountSelect: accountSelect,
    closeDialog: closeDialog,
    listCameras: listCameras,
    cameraPicker: cameraPicker,
    accountLabel: accountLabel,
    _: _,
  };
})();
